using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The authorization endpoint after OpenIddict's checks (client, registered redirect_uri, response_type, PKCE S256,
/// <c>state</c>: <see cref="AuthorizationRequestChecks"/>): the SMART part. Sign-in (the session cookie, else the login
/// page), the EHR launch context (<c>launch</c>), the scopes the user may grant, the patient picker for
/// <c>launch/patient</c>, the encounter picker for <c>launch/encounter</c> in a standalone launch, the consent page, then the authorization code — or <c>access_denied</c> to the app.
/// </summary>
public static class AuthorizeEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, SmartSettings settings, IAntiforgery antiforgery, LaunchContexts launches,
        PatientDirectory patients, EncounterDirectory encounters, ServerSettings server, ILogger<LaunchContexts> logger, CancellationToken ct)
    {
        var texts = SmartTexts.For(http);
        // An error OpenIddict could not send to the app (unknown client, redirect_uri not registered): shown here.
        if (http.GetOpenIddictServerResponse() is { Error: { } error } response)
            return SmartPage.Error(http, texts, $"{error}: {response.ErrorDescription}");
        if (http.GetOpenIddictServerRequest() is not { } request || settings.FindClient(request.ClientId) is not { } client)
            return SmartPage.Error(http, texts, "This is not an authorization request.");

        var session = await SmartSession.CurrentAsync(http, settings);
        if (session is not var (user, sessionExpires, sessionId))
        {
            if (request.HasPromptValue(PromptValues.None)) return Refuse(Errors.LoginRequired, "The user is not signed in.");
            var back = http.Request.PathBase + SmartServer.AuthorizationPath + QueryString.Create(AuthorizePages.RequestParameters(request));
            return Results.Challenge(new AuthenticationProperties { RedirectUri = back }, [SmartSession.Scheme]);
        }
        // Every authorization is consented to on the consent page: none can be given silently.
        if (request.HasPromptValue(PromptValues.None)) return Refuse(Errors.ConsentRequired, "The user's consent is asked for every authorization.");

        // The choices of our pages count only from a form they posted, with its anti-forgery token.
        IFormCollection? form = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType)
        {
            var posted = await http.Request.ReadFormAsync(ct);
            if (posted.ContainsKey(AuthorizePages.PatientField) || posted.ContainsKey(AuthorizePages.EncounterField)
                || posted.ContainsKey(AuthorizePages.DecisionField))
            {
                if (!await antiforgery.IsRequestValidAsync(http)) return SmartPage.Error(http, texts, texts.FormExpired);
                form = posted;
            }
        }

        // EHR launch (SMART App Launch "EHR Launch"): the launch parameter and the launch scope go together.
        var requested = request.GetScopes();
        var launchId = (string?)request.GetParameter("launch");
        LaunchContext? launch = null;
        if (launchId is not null || requested.Contains("launch"))
        {
            if (launchId is null) return Refuse(Errors.InvalidRequest, "The launch scope is for an EHR launch: the launch parameter is missing.");
            if (!requested.Contains("launch")) return Refuse(Errors.InvalidScope, "An EHR launch (the launch parameter) needs the launch scope.");
            launch = launches.Find(launchId, client.ClientId);
            if (launch is null) return Refuse(Errors.InvalidRequest, "The launch is unknown, expired, already used or for another app.");
        }

        var scopes = SmartScopes.GrantToUser(requested, client, user);
        // launch/encounter is granted only with an encounter to give (SMART "Scopes for requesting context data": the
        // context scopes say which parameters the token response carries): an EHR launch's, or in a standalone launch
        // the one picked among the patient's (below).
        if (launch is not null && launch.Encounter is null) scopes.Remove("launch/encounter");
        if (!scopes.Any(s => s is not ("launch" or "online_access" or "offline_access")))
            return Refuse(Errors.InvalidScope, "None of the scopes asked for can be granted to this app for this user.");

        // The patient in context: the launch's, the one picked (launch/patient), or a patient user's own.
        string? patient;
        if (launch is not null)
        {
            patient = launch.Patient;
            if (user.IsPatient && patient is not null && patient != user.FhirUserId)
                return Refuse(Errors.AccessDenied, "The launch is about another patient than the one signed in.");
        }
        else patient = user.IsPatient && !scopes.Contains("launch/patient") ? user.FhirUserId : null;
        // SMART "Apps that launch from the EHR": a patient/ scope granted needs a patient in context; without one from
        // the launch, the picker asks for it (launch/patient inferred).
        if (patient is null && (scopes.Contains("launch/patient") || scopes.Any(SmartScopes.IsPatientScope)))
        {
            var chosen = form?[AuthorizePages.PatientField].ToString();
            if (string.IsNullOrEmpty(chosen) || !await patients.AllowedAsync(user, chosen, ct))
            {
                var (choices, more) = await patients.ChoicesAsync(user, SmartServer.FhirBase(http, server), ct);
                return AuthorizePages.Picker(http, request, ClientName(client), choices, more, settings.PatientPickerLimit, refused: !string.IsNullOrEmpty(chosen));
            }
            patient = chosen;
        }

        // Standalone launch with launch/encounter (SMART context-standalone-encounter): the encounter picker lists the
        // patient's Encounters; none, and the authorization goes on without (the consent page says so).
        var encounter = launch?.Encounter;
        string? encounterLabel = null;
        var noEncounter = false;
        if (launch is null && scopes.Contains("launch/encounter"))
        {
            var chosen = form?[AuthorizePages.EncounterField].ToString();
            if (patient is null) scopes.Remove("launch/encounter");
            else if (!string.IsNullOrEmpty(chosen) && await encounters.LabelAsync(patient, chosen, ct) is { } label)
                (encounter, encounterLabel) = (chosen, label);
            else
            {
                var (choices, more) = await encounters.ChoicesAsync(patient, SmartServer.FhirBase(http, server), ct);
                if (choices.Count > 0)
                {
                    var patientLabel = await patients.LabelAsync(patient, ct) ?? "Patient/" + patient;
                    return AuthorizePages.EncounterPicker(http, request, ClientName(client), patient, patientLabel, choices, more,
                        settings.PatientPickerLimit, refused: !string.IsNullOrEmpty(chosen));
                }
                noEncounter = true;
                scopes.Remove("launch/encounter");
            }
        }

        var decision = form?[AuthorizePages.DecisionField].ToString();
        if (string.IsNullOrEmpty(decision))
        {
            var label = patient is null ? null : await patients.LabelAsync(patient, ct) ?? "Patient/" + patient;
            return AuthorizePages.Consent(http, request, ClientName(client), user, launch is null ? patient : null, label, scopes,
                launch is null ? encounter : null, encounterLabel, noEncounter);
        }
        if (decision != "allow")
        {
            logger.LogInformation("SMART authorization denied by {User} to {Client}", user.Subject, client.ClientId);
            return Refuse(Errors.AccessDenied, "The user denied the access.");
        }
        if (launchId is not null && !launches.Spend(launchId))
            return Refuse(Errors.InvalidRequest, "The launch was used meanwhile by another authorization.");
        logger.LogInformation("SMART authorization by {User} to {Client}: {Scopes}, patient {Patient}, encounter {Encounter}", user.Subject,
            client.ClientId, string.Join(' ', scopes), patient, encounter);
        return Results.SignIn(SmartSignIn.Principal(user, client, scopes, patient, encounter, launch, sessionExpires, sessionId), null,
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static string ClientName(SmartClient client) => client.DisplayName ?? client.ClientId!;

    // An error sent back to the app at its redirect_uri, with its state (RFC 6749 section 4.1.2.1).
    private static IResult Refuse(string error, string description) => Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
