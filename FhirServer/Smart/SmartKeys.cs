using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Smart;

/// <summary>
/// The server's signing keys (RSA, PEM files named by their creation time; ECDSA P-256 ones for access tokens) and its
/// encryption key (for the authorization codes and refresh tokens only: access tokens are signed JWTs, readable by
/// resource servers), kept in
/// <see cref="SmartSettings.KeyDirectory"/> and made on first start. Rotation: a signing key older than
/// <see cref="SmartSettings.SigningKeyRotationDays"/> gets a successor at start-up; the newest signs, the others stay
/// in the JWKS to validate what they signed until they are twice that age, then are deleted.
/// </summary>
public sealed class SmartKeys
{
    private const string SigningPrefix = "signing-";
    private const string AccessTokenPrefix = "ecdsa-";
    private const string TimeFormat = "yyyyMMddHHmmss";

    public required IReadOnlyList<RsaSecurityKey> SigningKeys { get; init; }

    /// <summary>
    /// ECDSA P-256 keys (<c>ecdsa-&lt;yyyyMMddHHmmss&gt;.pem</c>, rotated as the RSA ones), newest first: the newest signs
    /// access tokens (ES256) unless <see cref="SmartSettings.AccessTokenAlgorithm"/> is RS256; all are published in the JWKS.
    /// </summary>
    public required IReadOnlyList<ECDsaSecurityKey> AccessTokenKeys { get; init; }
    public required SymmetricSecurityKey EncryptionKey { get; init; }

    public static SmartKeys LoadOrCreate(string directory, int rotationDays, DateTimeOffset now)
    {
        Directory.CreateDirectory(directory);
        var signing = LoadOrCreate(directory, SigningPrefix, rotationDays, now, () =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKeyPem();
        }, (pem, id) =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa) { KeyId = id };
        });
        var accessTokens = LoadOrCreate(directory, AccessTokenPrefix, rotationDays, now, () =>
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return ecdsa.ExportPkcs8PrivateKeyPem();
        }, (pem, id) =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(pem);
            return new ECDsaSecurityKey(ecdsa) { KeyId = id };
        });

        var encryptionPath = Path.Combine(directory, "encryption.key");
        if (!File.Exists(encryptionPath)) WritePrivate(encryptionPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var encryption = new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(encryptionPath).Trim()));
        return new SmartKeys { SigningKeys = signing, AccessTokenKeys = accessTokens, EncryptionKey = encryption };
    }

    // The keys of one kind (files named prefix + creation time), newest first; a new one made when the newest is older
    // than the rotation period; those past twice that period deleted, never the newest.
    private static List<TKey> LoadOrCreate<TKey>(string directory, string prefix, int rotationDays, DateTimeOffset now,
        Func<string> create, Func<string, string, TKey> load)
    {
        var keys = new List<(DateTimeOffset Created, string Path)>();
        foreach (var path in Directory.GetFiles(directory, prefix + "*.pem"))
        {
            var stamp = Path.GetFileNameWithoutExtension(path)[prefix.Length..];
            if (DateTimeOffset.TryParseExact(stamp, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
                keys.Add((created, path));
        }
        keys.Sort((a, b) => b.Created.CompareTo(a.Created));
        if (keys.Count == 0 || now - keys[0].Created >= TimeSpan.FromDays(rotationDays))
        {
            var path = Path.Combine(directory, prefix + now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + ".pem");
            WritePrivate(path, create());
            keys.Insert(0, (now, path));
        }
        // Keys past twice the rotation period signed nothing still valid (tokens live minutes, refresh tokens are
        // checked against the store): removed, but never the newest.
        foreach (var old in keys.Skip(1).Where(k => now - k.Created > TimeSpan.FromDays(2.0 * rotationDays)).ToList())
        {
            File.Delete(old.Path);
            keys.Remove(old);
        }
        return [.. keys.Select(k => load(File.ReadAllText(k.Path), Path.GetFileNameWithoutExtension(k.Path)))];
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
