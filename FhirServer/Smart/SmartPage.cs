using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace FhirServer.Smart;

/// <summary>
/// The frame of the authorization server's pages: plain HTML forms that work without JavaScript (WCAG: a language, a
/// title, labels, a main landmark), never cached, never framed (a consent page in a frame invites clickjacking).
/// </summary>
public static class SmartPage
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}" +
        "label{display:block;margin-top:1rem}input[type=text],input[type=password]{width:100%;padding:.4rem;font-size:1rem}" +
        "button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem;font-size:1rem}fieldset{border:1px solid #888}" +
        "a.provider{display:inline-block;padding:.5rem 1.2rem;border:1px solid #555;border-radius:.2rem;text-decoration:none}" +
        ".error{color:#a00;font-weight:bold}code{background:#eee;padding:0 .2rem}";

    public static IResult Html(HttpContext http, SmartTexts texts, string title, string body, int status = StatusCodes.Status200OK)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentLanguage = texts.Language;
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(texts.Language).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(Encode(title)).Append("</h1>\n")
            .Append(body)
            .Append("</main>\n</body>\n</html>\n");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>A page that says why the request stops here (no redirect: the client could not be trusted with it).</summary>
    public static IResult Error(HttpContext http, SmartTexts texts, string message, int status = StatusCodes.Status400BadRequest) =>
        Html(http, texts, texts.ErrorTitle, $"<p class=\"error\" role=\"alert\">{Encode(message)}</p>\n", status);

    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Hidden(string name, string? value) =>
        $"<input type=\"hidden\" name=\"{Encode(name)}\" value=\"{Encode(value)}\">\n";

    /// <summary>The anti-forgery token of a form (its cookie is set with it).</summary>
    public static string AntiforgeryField(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return Hidden(tokens.FormFieldName, tokens.RequestToken);
    }
}
