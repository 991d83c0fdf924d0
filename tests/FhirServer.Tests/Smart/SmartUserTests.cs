using System.Diagnostics;
using FhirServer.Hosting;
using FhirServer.Smart;
using Microsoft.Extensions.Configuration;

namespace FhirServer.Tests.Smart;

/// <summary>Local users in the configuration: hashes only, each linked to a Patient or a Practitioner; and the verb that makes the hash.</summary>
public class SmartUserTests
{
    private static SmartSettings Read(Dictionary<string, string?> values) =>
        SmartSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    [TestCase("secret", "Patient/p1", "PasswordHash is not a password hash")]
    [TestCase(null, "Patient/p1", "PasswordHash is not a password hash")]
    [TestCase("hash", "Organization/o1", "FhirUser 'Organization/o1' must be Patient/<id> or Practitioner/<id>")]
    [TestCase("hash", "Patient/", "must be Patient/<id>")]
    [TestCase("hash", "Practitioner/a b", "must be Patient/<id>")]
    public void A_user_with_a_plain_password_or_no_fhir_user_stops_the_start(string? hash, string fhirUser, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => Read(new()
        {
            ["Smart:Users:0:Username"] = "bob",
            ["Smart:Users:0:PasswordHash"] = hash == "hash" ? SmartPasswords.Hash("pw") : hash,
            ["Smart:Users:0:FhirUser"] = fhirUser,
        }));
        Assert.That(e!.Message, Does.StartWith("Smart:Users 'bob'").And.Contain(message));
    }

    [Test]
    public void A_user_configured_twice_stops_the_start()
    {
        var hash = SmartPasswords.Hash("pw");
        var e = Assert.Throws<ConfigurationException>(() => Read(new()
        {
            ["Smart:Users:0:Username"] = "bob", ["Smart:Users:0:PasswordHash"] = hash, ["Smart:Users:0:FhirUser"] = "Patient/p1",
            ["Smart:Users:1:Username"] = "BOB", ["Smart:Users:1:PasswordHash"] = hash, ["Smart:Users:1:FhirUser"] = "Patient/p2",
        }));
        Assert.That(e!.Message, Does.Contain("configured twice"));
    }

    [Test]
    public void Verify_accepts_the_password_only()
    {
        var user = new SmartUser { Username = "bob", PasswordHash = SmartPasswords.Hash("correct horse"), FhirUser = "Patient/p1" };
        Assert.That(SmartPasswords.Verify(user, "correct horse"), Is.True);
        Assert.That(SmartPasswords.Verify(user, "correct horse "), Is.False);
        Assert.That(SmartPasswords.Verify(null, "correct horse"), Is.False, "an unknown user");
    }

    [Test]
    public async Task Hash_password_reads_standard_input_and_prints_a_hash_that_verifies()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FhirServer.dll"), "hash-password"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync("s3cret pass");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.EqualTo(0), await process.StandardError.ReadToEndAsync());
        var hash = output.Trim();
        Assert.That(hash, Does.Not.Contain("s3cret"));
        Assert.That(SmartPasswords.IsHash(hash), Is.True);
        Assert.That(SmartPasswords.Verify(new SmartUser { PasswordHash = hash }, "s3cret pass"), Is.True);
    }
}
