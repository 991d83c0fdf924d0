using FhirServer.Conformance.Search;

namespace FhirServer.Conformance.Tests.Search;

/// <summary>The phonetic key: spellings of one sound share a key, different names do not.</summary>
public class PhoneticKeyTests
{
    [TestCase("Strohman", "Stroman")]
    [TestCase("Dupont", "Dupond")]
    [TestCase("Lefèvre", "Lefebvre")]
    [TestCase("LEFEVRE", "lefèbvre")]
    [TestCase("Philippe", "Filipe")]
    [TestCase("Catherine", "Katherine")]
    [TestCase("Stephen", "Steven")]
    [TestCase("Smith", "Smyth")]
    [TestCase("Mohamed", "Mohammed")]
    [TestCase("Hélène", "Elene")]
    [TestCase("Christophe", "Kristof")]
    [TestCase("Jean-Pierre", "Jean Pierre")]
    public void Same_sound_same_key(string one, string other) =>
        Assert.That(PhoneticKey.Of(one), Is.EqualTo(PhoneticKey.Of(other)).And.Not.Empty);

    [TestCase("Dupont", "Martin")]
    [TestCase("Lefèvre", "Lefort")]
    [TestCase("Philippe", "Philomène")]
    [TestCase("Durand", "Dubois")]
    public void Different_names_different_keys(string one, string other) =>
        Assert.That(PhoneticKey.Of(one), Is.Not.EqualTo(PhoneticKey.Of(other)));

    [Test]
    public void Words_are_keyed_each()
    {
        Assert.That(PhoneticKey.Words("Jean-Pierre  Dupont"), Is.EqualTo(new[] { PhoneticKey.Of("Jean"), PhoneticKey.Of("Pierre"), PhoneticKey.Of("Dupont") }));
        Assert.That(PhoneticKey.Of("--"), Is.Empty);
    }
}
