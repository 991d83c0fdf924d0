using System.Text;

namespace FhirServer.Smart;

/// <summary>
/// The sign-in page: a form with <c>username</c>, <c>password</c> and a submit button, posted to
/// <see cref="SmartServer.LoginPath"/> with the page to go back to; then one link per external provider of
/// <see cref="Providers"/> (an upstream OpenID Connect provider adds itself there: Pro Santé Connect), to its own path
/// with the same <c>returnUrl</c>. A link, not a form: the provider's sign-in starts with a GET, and it is the provider's
/// state, not our anti-forgery token, that binds its answer to this browser.
/// </summary>
public sealed class LoginPage
{
    /// <summary>An upstream sign-in: the link's text and the path it goes to (with <c>returnUrl</c> in the query).</summary>
    public sealed record Provider(string DisplayName, string Path);

    public List<Provider> Providers { get; } = [];

    /// <summary>The form; <paramref name="error"/> (a text of <see cref="SmartTexts"/>) shown above it after a refusal.</summary>
    public IResult Render(HttpContext http, string returnUrl, string? username = null, Func<SmartTexts, string>? error = null)
    {
        var texts = SmartTexts.For(http);
        var failed = error is not null;
        var antiforgery = SmartPage.AntiforgeryField(http);
        var action = SmartPage.Encode(http.Request.PathBase + SmartServer.LoginPath);
        var body = new StringBuilder();
        if (failed) body.Append("<p class=\"error\" role=\"alert\" id=\"login-error\">").Append(SmartPage.Encode(error!(texts))).Append("</p>\n");
        var invalid = failed ? " aria-invalid=\"true\" aria-describedby=\"login-error\"" : "";
        body.Append("<form method=\"post\" action=\"").Append(action).Append("\">\n")
            .Append(antiforgery)
            .Append(SmartPage.Hidden("ReturnUrl", returnUrl))
            .Append("<label for=\"username\">").Append(SmartPage.Encode(texts.Username)).Append("</label>\n")
            .Append("<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"")
            .Append(SmartPage.Encode(username)).Append('"').Append(invalid).Append(">\n")
            .Append("<label for=\"password\">").Append(SmartPage.Encode(texts.Password)).Append("</label>\n")
            .Append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required")
            .Append(invalid).Append(">\n")
            .Append("<button type=\"submit\">").Append(SmartPage.Encode(texts.SignIn)).Append("</button>\n")
            .Append("</form>\n");
        if (Providers.Count > 0)
        {
            body.Append("<h2>").Append(SmartPage.Encode(texts.OrSignInWith)).Append("</h2>\n");
            foreach (var provider in Providers)
            {
                var href = http.Request.PathBase + provider.Path + QueryString.Create("returnUrl", returnUrl);
                body.Append("<p><a class=\"provider\" href=\"").Append(SmartPage.Encode(href)).Append("\">")
                    .Append(SmartPage.Encode(provider.DisplayName)).Append("</a></p>\n");
            }
        }
        return SmartPage.Html(http, texts, texts.LoginTitle, body.ToString());
    }
}
