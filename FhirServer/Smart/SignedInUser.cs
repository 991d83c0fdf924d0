namespace FhirServer.Smart;

/// <summary>
/// The user signed in to the authorization server's pages (<see cref="SmartSession"/>), whichever way: a local user of
/// <c>Smart:Users</c> (looked up again on each use) or a practitioner through Pro Santé Connect (carried by the cookie's
/// claims). The authorization endpoint, the patient picker, the consent page and the tokens read this, never where it
/// came from.
/// </summary>
/// <param name="Subject">The token's <c>sub</c>: a local user's name, a practitioner's national id (IdNatPS) through PSC.</param>
/// <param name="Name">The name shown on the pages.</param>
/// <param name="FhirUser">A relative reference, <c>Patient/123</c> or <c>Practitioner/456</c> (SMART App Launch "fhirUser").</param>
/// <param name="IdentityProvider"><see cref="SmartSession.LocalProvider"/> or <see cref="SmartSession.ProSanteConnectProvider"/>.</param>
public sealed record SignedInUser(string Subject, string Name, string FhirUser, string IdentityProvider)
{
    public string FhirUserType => FhirUser[..FhirUser.IndexOf('/')];

    public string FhirUserId => FhirUser[(FhirUser.IndexOf('/') + 1)..];

    /// <summary>A patient user reaches only their own record: patient/ scopes, their Patient in context.</summary>
    public bool IsPatient => FhirUserType == "Patient";

    public static SignedInUser Local(SmartUser user) =>
        new(user.Username!, user.DisplayName ?? user.Username!, user.FhirUser!, SmartSession.LocalProvider);
}
