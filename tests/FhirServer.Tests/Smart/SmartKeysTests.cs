using FhirServer.Smart;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Smart;

public class SmartKeysTests
{
    [Test]
    public void Keys_are_kept_then_rotated_then_retired()
    {
        var folder = Path.Combine(Path.GetTempPath(), "smart-keys-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var first = SmartKeys.LoadOrCreate(folder, 90, start);
            var again = SmartKeys.LoadOrCreate(folder, 90, start.AddDays(10));
            Assert.That(again.SigningKeys.Select(k => k.KeyId), Is.EqualTo(first.SigningKeys.Select(k => k.KeyId)), "kept across starts");
            Assert.That(again.AccessTokenKeys.Select(k => k.KeyId), Is.EqualTo(first.AccessTokenKeys.Select(k => k.KeyId)));

            var rotated = SmartKeys.LoadOrCreate(folder, 90, start.AddDays(91));
            Assert.That(rotated.SigningKeys, Has.Count.EqualTo(2));
            Assert.That(rotated.SigningKeys[1].KeyId, Is.EqualTo(first.SigningKeys[0].KeyId), "the newest signs, the old one still validates");

            Assert.That(rotated.AccessTokenKeys, Has.Count.EqualTo(2), "the ECDSA keys of access tokens rotate alike");
            Assert.That(rotated.AccessTokenKeys[1].KeyId, Is.EqualTo(first.AccessTokenKeys[0].KeyId));
            Assert.That(first.AccessTokenKeys[0].ECDsa.KeySize, Is.EqualTo(256), "P-256, for ES256");

            var retired = SmartKeys.LoadOrCreate(folder, 90, start.AddDays(181));
            Assert.That(retired.SigningKeys.Select(k => k.KeyId), Does.Not.Contain(first.SigningKeys[0].KeyId));
            Assert.That(retired.AccessTokenKeys.Select(k => k.KeyId), Does.Not.Contain(first.AccessTokenKeys[0].KeyId));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
