using FhirServer.Rest;

namespace FhirServer.Tests.Rest;

public class ConditionalCreateLocksTests
{
    [Test]
    public void Keys_name_the_same_search_alike()
    {
        Assert.That(ConditionalCreateLocks.Key("Practitioner", "identifier=urn%3Aoid%3A1.2.250.1.71.4.2.1%7C810000000001&active=true"),
            Is.EqualTo(ConditionalCreateLocks.Key("Practitioner", "active=true&identifier=urn:oid:1.2.250.1.71.4.2.1|810000000001")));
        Assert.That(ConditionalCreateLocks.Key("Practitioner", "identifier=a|1"), Is.Not.EqualTo(ConditionalCreateLocks.Key("Organization", "identifier=a|1")));
        Assert.That(ConditionalCreateLocks.Key("Practitioner", "identifier=a|1"), Is.Not.EqualTo(ConditionalCreateLocks.Key("Practitioner", "identifier=a|2")));
    }

    [Test]
    public async Task A_key_is_held_by_one_at_a_time_and_forgotten_when_free()
    {
        var locks = new ConditionalCreateLocks();
        var first = await locks.AcquireAsync(["Patient?identifier=a|1", "Patient?identifier=b|2"], CancellationToken.None);
        var second = locks.AcquireAsync(["Patient?identifier=b|2"], CancellationToken.None);
        var other = await locks.AcquireAsync(["Patient?identifier=c|3"], CancellationToken.None);
        await Task.Delay(50);
        Assert.That(second.IsCompleted, Is.False, "b|2 is held");
        using var cancel = new CancellationTokenSource(50);
        Assert.That(async () => await locks.AcquireAsync(["Patient?identifier=a|1"], cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        await first.DisposeAsync();
        await (await second).DisposeAsync();
        await other.DisposeAsync();
        Assert.That(locks.Count, Is.Zero, "no gate kept once every holder and waiter is gone");
    }
}
