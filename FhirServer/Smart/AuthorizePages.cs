using System.Text;
using OpenIddict.Abstractions;

namespace FhirServer.Smart;

/// <summary>
/// The pages of the authorization endpoint after sign-in: the patient picker (radio inputs named <c>patient</c>, the
/// Patient id as value) and the consent page (the scopes asked, buttons named <c>decision</c> with values
/// <c>allow</c> and <c>deny</c>). Both post back to the authorization endpoint with the authorization request's own
/// parameters as hidden fields, so that OpenIddict checks the request again on each step.
/// </summary>
public static class AuthorizePages
{
    public const string PatientField = "patient";
    public const string DecisionField = "decision";

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
        body.Append(FormStart(http, request)).Append("<fieldset>\n<legend>").Append(SmartPage.Encode(texts.PickerTitle)).Append("</legend>\n");
        for (var i = 0; i < choices.Count; i++)
        {
            body.Append("<div><input type=\"radio\" id=\"patient-").Append(i).Append("\" name=\"").Append(PatientField).Append("\" value=\"")
                .Append(SmartPage.Encode(choices[i].Id)).Append('"').Append(i == 0 ? " required" : "").Append(choices.Count == 1 ? " checked" : "")
                .Append("> <label for=\"patient-").Append(i).Append("\">").Append(SmartPage.Encode(choices[i].Label)).Append("</label></div>\n");
        }
        body.Append("</fieldset>\n");
        if (more) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.MorePatients, limit))).Append("</p>\n");
        body.Append("<button type=\"submit\">").Append(SmartPage.Encode(texts.Continue)).Append("</button>\n</form>\n");
        return SmartPage.Html(http, texts, texts.PickerTitle, body.ToString());
    }

    public static IResult Consent(HttpContext http, OpenIddictRequest request, string client, SignedInUser user, string? patient,
        string? patientLabel, IReadOnlyList<string> scopes)
    {
        var texts = SmartTexts.For(http);
        var body = new StringBuilder()
            .Append("<p>").Append(SmartPage.Encode(string.Format(texts.SignedInAs, user.Name))).Append("</p>\n");
        if (patientLabel is not null) body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.ForPatient, patientLabel))).Append("</p>\n");
        body.Append("<p>").Append(SmartPage.Encode(string.Format(texts.ConsentIntro, client))).Append("</p>\n<ul>\n");
        foreach (var scope in scopes)
            body.Append("<li><code>").Append(SmartPage.Encode(scope)).Append("</code> — ").Append(SmartPage.Encode(texts.Describe(scope))).Append("</li>\n");
        body.Append("</ul>\n").Append(FormStart(http, request));
        if (patient is not null) body.Append(SmartPage.Hidden(PatientField, patient));
        body.Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"allow\">").Append(SmartPage.Encode(texts.Allow)).Append("</button>\n")
            .Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"deny\">").Append(SmartPage.Encode(texts.Deny)).Append("</button>\n")
            .Append("</form>\n");
        return SmartPage.Html(http, texts, texts.ConsentTitle, body.ToString());
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
            if (name is PatientField or DecisionField || name.StartsWith("__", StringComparison.Ordinal)) continue;
            if ((string?)value is { } text) yield return new(name, text);
        }
    }
}
