using Microsoft.AspNetCore.Identity;

namespace FhirServer.Smart;

/// <summary>
/// Password hashes of local users: ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2 with
/// HMAC-SHA512, a random salt and the iteration count in the hash, its version 3 format), so a hash in the
/// configuration never gives the password back.
/// </summary>
public static class SmartPasswords
{
    private static readonly PasswordHasher<SmartUser> Hasher = new();

    // Verified when the user name is unknown, so that an unknown name takes as long as a wrong password.
    private static readonly string Decoy = Hasher.HashPassword(new SmartUser(), Guid.NewGuid().ToString());

    public static string Hash(string password) => Hasher.HashPassword(new SmartUser(), password);

    public static bool Verify(SmartUser? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(user ?? new SmartUser(), user?.PasswordHash ?? Decoy, password);
        return user is not null && result != PasswordVerificationResult.Failed;
    }

    /// <summary>Whether the text is a hash of the version 3 format (marker byte 1, then PRF, iterations, salt, key).</summary>
    public static bool IsHash(string? text)
    {
        if (string.IsNullOrEmpty(text)) return false;
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) && length >= 13 + 16 + 32 && bytes[0] == 0x01;
    }
}
