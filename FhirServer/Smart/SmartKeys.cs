using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Smart;

/// <summary>
/// The server's signing keys (RSA, PEM files named by their creation time) and its encryption key (for the
/// authorization codes and refresh tokens only: access tokens are signed JWTs, readable by resource servers), kept in
/// <see cref="SmartSettings.KeyDirectory"/> and made on first start. Rotation: a signing key older than
/// <see cref="SmartSettings.SigningKeyRotationDays"/> gets a successor at start-up; the newest signs, the others stay
/// in the JWKS to validate what they signed until they are twice that age, then are deleted.
/// </summary>
public sealed class SmartKeys
{
    private const string SigningPrefix = "signing-";
    private const string TimeFormat = "yyyyMMddHHmmss";

    public required IReadOnlyList<RsaSecurityKey> SigningKeys { get; init; }
    public required SymmetricSecurityKey EncryptionKey { get; init; }

    public static SmartKeys LoadOrCreate(string directory, int rotationDays, DateTimeOffset now)
    {
        Directory.CreateDirectory(directory);
        var keys = new List<(DateTimeOffset Created, string Path)>();
        foreach (var path in Directory.GetFiles(directory, SigningPrefix + "*.pem"))
        {
            var stamp = Path.GetFileNameWithoutExtension(path)[SigningPrefix.Length..];
            if (DateTimeOffset.TryParseExact(stamp, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
                keys.Add((created, path));
        }
        keys.Sort((a, b) => b.Created.CompareTo(a.Created));
        if (keys.Count == 0 || now - keys[0].Created >= TimeSpan.FromDays(rotationDays))
        {
            var path = Path.Combine(directory, SigningPrefix + now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + ".pem");
            using var rsa = RSA.Create(2048);
            WritePrivate(path, rsa.ExportPkcs8PrivateKeyPem());
            keys.Insert(0, (now, path));
        }
        // Keys past twice the rotation period signed nothing still valid (tokens live minutes, refresh tokens are
        // checked against the store): removed, but never the newest.
        foreach (var old in keys.Skip(1).Where(k => now - k.Created > TimeSpan.FromDays(2.0 * rotationDays)).ToList())
        {
            File.Delete(old.Path);
            keys.Remove(old);
        }
        var signing = keys.Select(k =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(k.Path));
            return new RsaSecurityKey(rsa) { KeyId = Path.GetFileNameWithoutExtension(k.Path) };
        }).ToList();

        var encryptionPath = Path.Combine(directory, "encryption.key");
        if (!File.Exists(encryptionPath)) WritePrivate(encryptionPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var encryption = new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(encryptionPath).Trim()));
        return new SmartKeys { SigningKeys = signing, EncryptionKey = encryption };
    }

    // Readable by the server's user only, where the file system says who may read.
    private static void WritePrivate(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: false);
    }
}
