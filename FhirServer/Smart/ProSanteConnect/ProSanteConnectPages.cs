using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace FhirServer.Smart.ProSanteConnect;

/// <summary>Why a sign-in through Pro Santé Connect ends on a page of ours rather than back in the SMART flow.</summary>
public enum PscOutcome
{
    /// <summary>No Practitioner of the store carries the IdNatPS (403).</summary>
    UnknownPractitioner,

    /// <summary>Several Practitioners carry it (403).</summary>
    SeveralPractitioners,

    /// <summary>The Practitioner that carries it is inactive (403).</summary>
    InactivePractitioner,

    /// <summary>PSC gave no <c>SubjectNameID</c> (403).</summary>
    NoNationalId,

    /// <summary>The authentication level (<c>acr</c>) is not one accepted (403).</summary>
    WeakAuthentication,

    /// <summary>The response could not be used: forged or replayed state, wrong nonce, an error from PSC (400).</summary>
    Failed,

    /// <summary>The <c>returnUrl</c> is not a path of this server (400).</summary>
    BadReturnUrl,

    /// <summary>PSC cannot be reached, or its configuration cannot be read (502).</summary>
    Unavailable,

    /// <summary>Signed in, with nowhere to go back to (200).</summary>
    SignedIn,
}

/// <summary>
/// The pages of the PSC sign-in: plain, accessible HTML (no script, no style sheet), in French or English after the
/// request's <c>Accept-Language</c> (English when it names neither).
/// </summary>
public static class ProSanteConnectPages
{
    // Encodes markup characters only: the French text stays readable in the page's source.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly Dictionary<PscOutcome, (string Title, string Text)> French = new()
    {
        [PscOutcome.UnknownPractitioner] = ("Connexion refusée", "Aucun professionnel de santé (Practitioner) de ce serveur ne porte votre identifiant national {0}. Demandez à l'administrateur du serveur d'enregistrer votre fiche avec cet identifiant."),
        [PscOutcome.SeveralPractitioners] = ("Connexion refusée", "Plusieurs professionnels de santé (Practitioner) de ce serveur portent votre identifiant national {0} : la connexion ne peut pas choisir. Demandez à l'administrateur du serveur de fusionner ces fiches."),
        [PscOutcome.InactivePractitioner] = ("Connexion refusée", "La fiche de professionnel de santé qui porte votre identifiant national {0} est inactive sur ce serveur."),
        [PscOutcome.NoNationalId] = ("Connexion refusée", "Pro Santé Connect n'a pas transmis d'identifiant national de professionnel (SubjectNameID)."),
        [PscOutcome.WeakAuthentication] = ("Connexion refusée", "Pro Santé Connect vous a authentifié au niveau « {0} » ; ce serveur exige le niveau {1} (carte CPS ou e-CPS)."),
        [PscOutcome.Failed] = ("Échec de la connexion", "La réponse de Pro Santé Connect ne peut pas être utilisée ({0}). Recommencez la connexion depuis l'application."),
        [PscOutcome.BadReturnUrl] = ("Requête invalide", "L'adresse de retour {0} n'est pas une page de ce serveur."),
        [PscOutcome.Unavailable] = ("Service indisponible", "Pro Santé Connect ne répond pas. Réessayez dans quelques minutes."),
        [PscOutcome.SignedIn] = ("Connecté", "Vous êtes connecté en tant que {0} ({1})."),
    };

    private static readonly Dictionary<PscOutcome, (string Title, string Text)> English = new()
    {
        [PscOutcome.UnknownPractitioner] = ("Sign-in refused", "No practitioner (Practitioner) on this server carries your national identifier {0}. Ask the server's administrator to register your record with this identifier."),
        [PscOutcome.SeveralPractitioners] = ("Sign-in refused", "Several practitioners (Practitioner) on this server carry your national identifier {0}: the sign-in cannot choose. Ask the server's administrator to merge these records."),
        [PscOutcome.InactivePractitioner] = ("Sign-in refused", "The practitioner record that carries your national identifier {0} is inactive on this server."),
        [PscOutcome.NoNationalId] = ("Sign-in refused", "Pro Santé Connect did not send a national practitioner identifier (SubjectNameID)."),
        [PscOutcome.WeakAuthentication] = ("Sign-in refused", "Pro Santé Connect authenticated you at level \"{0}\"; this server requires level {1} (CPS card or e-CPS)."),
        [PscOutcome.Failed] = ("Sign-in failed", "The response of Pro Santé Connect cannot be used ({0}). Start the sign-in again from the application."),
        [PscOutcome.BadReturnUrl] = ("Bad request", "The return address {0} is not a page of this server."),
        [PscOutcome.Unavailable] = ("Service unavailable", "Pro Santé Connect does not answer. Try again in a few minutes."),
        [PscOutcome.SignedIn] = ("Signed in", "You are signed in as {0} ({1})."),
    };

    public static int Status(PscOutcome outcome) => outcome switch
    {
        PscOutcome.SignedIn => StatusCodes.Status200OK,
        PscOutcome.Failed or PscOutcome.BadReturnUrl => StatusCodes.Status400BadRequest,
        PscOutcome.Unavailable => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status403Forbidden,
    };

    /// <summary>Writes the page of <paramref name="outcome"/>, its <paramref name="values"/> HTML-encoded into the text.</summary>
    public static Task WriteAsync(HttpContext http, PscOutcome outcome, params string[] values)
    {
        var french = PrefersFrench(http.Request);
        var (title, text) = (french ? French : English)[outcome];
        var language = french ? "fr" : "en";
        var body = string.Format(System.Globalization.CultureInfo.InvariantCulture, Html.Encode(text), [.. values.Select(Html.Encode)]);
        var html = $"""
            <!DOCTYPE html>
            <html lang="{language}">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{Html.Encode(title)} – Pro Santé Connect</title></head>
            <body>
            <main>
            <h1>{Html.Encode(title)}</h1>
            <p>{body}</p>
            </main>
            </body>
            </html>
            """;
        http.Response.StatusCode = Status(outcome);
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.ContentLanguage = language;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Vary = "Accept-Language";
        return http.Response.WriteAsync(html);
    }

    /// <summary>French when it comes before English in <c>Accept-Language</c> (by quality, then order).</summary>
    public static bool PrefersFrench(HttpRequest request)
    {
        var ranked = request.GetTypedHeaders().AcceptLanguage
            .Select((l, i) => (Tag: l.Value.Value ?? "", Quality: l.Quality ?? 1, Order: i))
            .Where(l => l.Quality > 0)
            .OrderByDescending(l => l.Quality).ThenBy(l => l.Order);
        foreach (var (tag, _, _) in ranked)
        {
            if (tag.Equals("fr", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("fr-", StringComparison.OrdinalIgnoreCase)) return true;
            if (tag.Equals("en", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("en-", StringComparison.OrdinalIgnoreCase)) return false;
        }
        return false;
    }
}
