using FhirServer.Hosting;

namespace FhirServer.Smart;

/// <summary>
/// A local user who signs in at the authorization endpoint (<c>Smart:Users</c>): a name, a password hash made by
/// <c>FhirServer hash-password</c> (ASP.NET Core Identity's PBKDF2 format, never the password itself), and the FHIR
/// resource the user is, <c>Patient/…</c> or <c>Practitioner/…</c>, which becomes <c>fhirUser</c>.
/// </summary>
public sealed class SmartUser
{
    public string? Username { get; set; }

    public string? PasswordHash { get; set; }

    /// <summary>A relative reference, <c>Patient/123</c> or <c>Practitioner/456</c> (SMART App Launch "fhirUser").</summary>
    public string? FhirUser { get; set; }

    public string? DisplayName { get; set; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Username)) throw new ConfigurationException("Smart:Users: a user has no Username.");
        var where = $"Smart:Users '{Username}'";
        if (!SmartPasswords.IsHash(PasswordHash))
            throw new ConfigurationException($"{where}: PasswordHash is not a password hash; make one with `FhirServer hash-password` (the password is read from standard input).");
        var slash = FhirUser?.IndexOf('/') ?? -1;
        if (FhirUser is null || slash <= 0 || FhirUser[..slash] is not ("Patient" or "Practitioner")
            || !FhirServer.Conformance.Serialization.PrimitiveRules.IsId(FhirUser.AsSpan(slash + 1)))
            throw new ConfigurationException($"{where}: FhirUser '{FhirUser}' must be Patient/<id> or Practitioner/<id>.");
    }
}
