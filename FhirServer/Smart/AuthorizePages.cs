using System.Text;
using OpenIddict.Abstractions;

namespace FhirServer.Smart;

/// <summary>
/// The pages of the authorization endpoint after sign-in: the patient picker (radio inputs named <c>patient</c>, the
/// Patient id as value), the encounter picker of a standalone launch asking <c>launch/encounter</c> (radio inputs named
/// <c>encounter</c>, the Encounter id as value, the patient chosen kept as a hidden field) and the consent page (the scopes asked, buttons named <c>decision</c> with values
/// <c>allow</c> and <c>deny</c>). Both post back to the authorization endpoint with the authorization request's own
/// parameters as hidden fields, so that OpenIddict checks the request again on each step.
/// </summary>
public static class AuthorizePages
{
    public const string PatientField = "patient";
    public const string DecisionField = "decision";
    public const string EncounterField = "encounter";

    public static IResult Picker(HttpContext http, OpenIddictRequest request, string client, IReadOnlyList<PatientDirectory.Choice> choices,
        bool more, int limit, bool refused)
    {
        var texts = SmartTexts.For(http);
        var body = new StringBuilder();
        if (refused) body.Append("<p class=\"error\" role=\"alert\">").Append(SmartPage.Encode(texts.PatientNotAllowed)).Append("</p>\n");
        body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.PickerIntro, client))).Append("</p>\n");
        if (choices.Count == 0)
        {
            body.Append("<p>").Append(SmartPage.Encode(texts.NoPatients)).Append("</p>\n");
            return SmartPage.Html(http, texts, texts.PickerTitle, body.ToString());
        }
        body.Append(FormStart(http, request));
        Radios(body, PatientField, texts.PickerTitle, [.. choices.Select(c => (c.Id, c.Label))]);
        if (more) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.MorePatients, limit))).Append("</p>\n");
        body.Append("<button type=\"submit\">").Append(SmartPage.Encode(texts.Continue)).Append("</button>\n</form>\n");
        return SmartPage.Html(http, texts, texts.PickerTitle, body.ToString());
    }

    /// <summary>
    /// The encounters of the patient in context (<paramref name="patient"/>, posted again as a hidden field). A patient
    /// without any gets no picker: the consent page says so and the authorization goes on without an encounter.
    /// </summary>
    public static IResult EncounterPicker(HttpContext http, OpenIddictRequest request, string client, string patient, string patientLabel,
        IReadOnlyList<EncounterDirectory.Choice> choices, bool more, int limit, bool refused)
    {
        var texts = SmartTexts.For(http);
        var body = new StringBuilder();
        if (refused) body.Append("<p class=\"error\" role=\"alert\">").Append(SmartPage.Encode(texts.EncounterNotAllowed)).Append("</p>\n");
        body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.EncounterPickerIntro, client, patientLabel))).Append("</p>\n");
        body.Append(FormStart(http, request)).Append(SmartPage.Hidden(PatientField, patient));
        Radios(body, EncounterField, texts.EncounterPickerTitle, [.. choices.Select(c => (c.Id, c.Label))]);
        if (more) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.MoreEncounters, limit))).Append("</p>\n");
        body.Append("<button type=\"submit\">").Append(SmartPage.Encode(texts.Continue)).Append("</button>\n</form>\n");
        return SmartPage.Html(http, texts, texts.EncounterPickerTitle, body.ToString());
    }

    /// <summary>
    /// The consent page. <paramref name="patient"/> and <paramref name="encounter"/>, when given, are the choices of the
    /// pickers, posted again with the decision; <paramref name="encounterLabel"/> is shown, or with
    /// <paramref name="noEncounter"/> the sentence that the patient has none.
    /// </summary>
    public static IResult Consent(HttpContext http, OpenIddictRequest request, string client, SignedInUser user, string? patient,
        string? patientLabel, IReadOnlyList<string> scopes, string? encounter = null, string? encounterLabel = null, bool noEncounter = false)
    {
        var texts = SmartTexts.For(http);
        var body = new StringBuilder()
            .Append("<p>").Append(SmartPage.Encode(string.Format(texts.SignedInAs, user.Name))).Append("</p>\n");
        if (patientLabel is not null) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.ForPatient, patientLabel))).Append("</p>\n");
        if (encounterLabel is not null) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.ForEncounter, encounterLabel))).Append("</p>\n");
        if (noEncounter) body.Append("<p>").Append(SmartPage.Encode(texts.NoEncounters)).Append("</p>\n");
        body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.ConsentIntro, client))).Append("</p>\n<ul>\n");
        foreach (var scope in scopes)
            body.Append("<li><code>").Append(SmartPage.Encode(scope)).Append("</code> — ").Append(SmartPage.Encode(texts.Describe(scope))).Append("</li>\n");
        body.Append("</ul>\n").Append(FormStart(http, request));
        if (patient is not null) body.Append(SmartPage.Hidden(PatientField, patient));
        if (encounter is not null) body.Append(SmartPage.Hidden(EncounterField, encounter));
        body.Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"allow\">").Append(SmartPage.Encode(texts.Allow)).Append("</button>\n")
            .Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"deny\">").Append(SmartPage.Encode(texts.Deny)).Append("</button>\n")
            .Append("</form>\n");
        return SmartPage.Html(http, texts, texts.ConsentTitle, body.ToString());
    }

    // A fieldset of radio inputs named field, the ids as values: one required, checked when it is the only one.
    private static void Radios(StringBuilder body, string field, string legend, IReadOnlyList<(string Id, string Label)> choices)
    {
        body.Append("<fieldset>\n<legend>").Append(SmartPage.Encode(legend)).Append("</legend>\n");
        for (var i = 0; i < choices.Count; i++)
        {
            body.Append("<div><input type=\"radio\" id=\"").Append(field).Append('-').Append(i).Append("\" name=\"").Append(field).Append("\" value=\"")
                .Append(SmartPage.Encode(choices[i].Id)).Append('"').Append(i == 0 ? " required" : "").Append(choices.Count == 1 ? " checked" : "")
                .Append("> <label for=\"").Append(field).Append('-').Append(i).Append("\">").Append(SmartPage.Encode(choices[i].Label)).Append("</label></div>\n");
        }
        body.Append("</fieldset>\n");
    }

    // A form posted to the authorization endpoint, carrying the authorization request and an anti-forgery token.
    private static string FormStart(HttpContext http, OpenIddictRequest request)
    {
        var form = new StringBuilder("<form method=\"post\" action=\"").Append(SmartPage.Encode(http.Request.PathBase + SmartServer.AuthorizationPath)).Append("\">\n")
            .Append(SmartPage.AntiforgeryField(http));
        foreach (var (name, value) in RequestParameters(request)) form.Append(SmartPage.Hidden(name, value));
        return form.ToString();
    }

    /// <summary>The authorization request's parameters, without the fields of these pages.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> RequestParameters(OpenIddictRequest request)
    {
        foreach (var (name, value) in request.GetParameters())
        {
            if (name is PatientField or DecisionField or EncounterField || name.StartsWith("__", StringComparison.Ordinal)) continue;
            if ((string?)value is { } text) yield return new(name, text);
        }
    }
}
