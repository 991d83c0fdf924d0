namespace FhirServer.Smart;

/// <summary>
/// The texts of the sign-in, patient picker and consent pages, in French and English, chosen by the browser's
/// <c>Accept-Language</c> (RFC 9110 section 12.5.4: the language of highest quality that we have); French without one.
/// </summary>
public sealed class SmartTexts
{
    public required string Language { get; init; }
    public required string LoginTitle { get; init; }
    public required string Username { get; init; }
    public required string Password { get; init; }
    public required string SignIn { get; init; }
    public required string OrSignInWith { get; init; }
    public required string LoginFailed { get; init; }
    public required string LoginLocked { get; init; }
    public required string PickerTitle { get; init; }
    public required string PickerIntro { get; init; }
    public required string NoPatients { get; init; }
    public required string MorePatients { get; init; }
    public required string PatientNotAllowed { get; init; }
    public required string Continue { get; init; }
    public required string EncounterPickerTitle { get; init; }
    public required string EncounterPickerIntro { get; init; }
    public required string NoEncounters { get; init; }
    public required string MoreEncounters { get; init; }
    public required string EncounterNotAllowed { get; init; }
    public required string ForEncounter { get; init; }
    public required string SignedOutTitle { get; init; }
    public required string SignedOut { get; init; }
    public required string ConsentTitle { get; init; }
    public required string ConsentIntro { get; init; }
    public required string ForPatient { get; init; }
    public required string SignedInAs { get; init; }
    public required string Allow { get; init; }
    public required string Deny { get; init; }
    public required string ErrorTitle { get; init; }
    public required string FormExpired { get; init; }
    public required string OfThePatient { get; init; }
    public required string YouCanAccess { get; init; }
    public required string AllData { get; init; }
    public required IReadOnlyDictionary<char, string> Permissions { get; init; }
    public required IReadOnlyDictionary<string, string> Scopes { get; init; }

    public static readonly SmartTexts English = new()
    {
        Language = "en",
        LoginTitle = "Sign in",
        Username = "User name",
        Password = "Password",
        SignIn = "Sign in",
        OrSignInWith = "Or sign in with",
        LoginFailed = "Wrong user name or password.",
        LoginLocked = "Too many failed attempts with this user name: try again in {0} minutes.",
        PickerTitle = "Choose a patient",
        PickerIntro = "{0} asks for access to a patient's record. Choose the patient:",
        NoPatients = "No patient is available.",
        MorePatients = "Only the first {0} patients are listed.",
        PatientNotAllowed = "Choose a patient from the list.",
        Continue = "Continue",
        EncounterPickerTitle = "Choose an encounter",
        EncounterPickerIntro = "{0} asks for an encounter of {1}. Choose the encounter:",
        NoEncounters = "No encounter is recorded for this patient: the application will have none in context.",
        MoreEncounters = "Only the latest {0} encounters are listed.",
        EncounterNotAllowed = "Choose an encounter from the list.",
        ForEncounter = "Encounter: {0}",
        SignedOutTitle = "Signed out",
        SignedOut = "You are signed out.",
        ConsentTitle = "Authorize access",
        ConsentIntro = "{0} asks for the following access:",
        ForPatient = "Patient: {0}",
        SignedInAs = "Signed in as {0}",
        Allow = "Allow",
        Deny = "Deny",
        ErrorTitle = "The request cannot be completed",
        FormExpired = "This form has expired or was not sent from this page: start again from the application.",
        OfThePatient = "of the patient",
        YouCanAccess = "that you can access",
        AllData = "all data",
        Permissions = new Dictionary<char, string> { ['c'] = "create", ['r'] = "read", ['u'] = "update", ['d'] = "delete", ['s'] = "search" },
        Scopes = new Dictionary<string, string>
        {
            ["openid"] = "Your identity",
            ["fhirUser"] = "Your user record",
            ["profile"] = "Your profile",
            ["launch"] = "The context the application was opened in",
            ["launch/patient"] = "The patient chosen",
            ["launch/encounter"] = "The encounter in context",
            ["offline_access"] = "Keep this access after you sign out",
            ["online_access"] = "Keep this access while you are signed in",
        },
    };

    public static readonly SmartTexts French = new()
    {
        Language = "fr",
        LoginTitle = "Connexion",
        Username = "Identifiant",
        Password = "Mot de passe",
        SignIn = "Se connecter",
        OrSignInWith = "Ou se connecter avec",
        LoginFailed = "Identifiant ou mot de passe incorrect.",
        LoginLocked = "Trop d'essais infructueux avec cet identifiant : réessayez dans {0} minutes.",
        PickerTitle = "Choisir un patient",
        PickerIntro = "{0} demande l'accès au dossier d'un patient. Choisissez le patient :",
        NoPatients = "Aucun patient n'est disponible.",
        MorePatients = "Seuls les {0} premiers patients sont listés.",
        PatientNotAllowed = "Choisissez un patient dans la liste.",
        Continue = "Continuer",
        EncounterPickerTitle = "Choisir une rencontre",
        EncounterPickerIntro = "{0} demande une rencontre de {1}. Choisissez la rencontre :",
        NoEncounters = "Aucune rencontre n'est enregistrée pour ce patient : l'application n'en aura pas dans son contexte.",
        MoreEncounters = "Seules les {0} rencontres les plus récentes sont listées.",
        EncounterNotAllowed = "Choisissez une rencontre dans la liste.",
        ForEncounter = "Rencontre : {0}",
        SignedOutTitle = "Déconnexion",
        SignedOut = "Vous êtes déconnecté.",
        ConsentTitle = "Autoriser l'accès",
        ConsentIntro = "{0} demande les accès suivants :",
        ForPatient = "Patient : {0}",
        SignedInAs = "Connecté en tant que {0}",
        Allow = "Autoriser",
        Deny = "Refuser",
        ErrorTitle = "La demande ne peut pas aboutir",
        FormExpired = "Ce formulaire a expiré ou n'a pas été envoyé depuis cette page : recommencez depuis l'application.",
        OfThePatient = "du patient",
        YouCanAccess = "auxquelles vous avez accès",
        AllData = "toutes les données",
        Permissions = new Dictionary<char, string> { ['c'] = "créer", ['r'] = "lire", ['u'] = "modifier", ['d'] = "supprimer", ['s'] = "rechercher" },
        Scopes = new Dictionary<string, string>
        {
            ["openid"] = "Votre identité",
            ["fhirUser"] = "Votre fiche d'utilisateur",
            ["profile"] = "Votre profil",
            ["launch"] = "Le contexte dans lequel l'application a été ouverte",
            ["launch/patient"] = "Le patient choisi",
            ["launch/encounter"] = "La rencontre en cours",
            ["offline_access"] = "Garder cet accès après votre déconnexion",
            ["online_access"] = "Garder cet accès tant que vous êtes connecté",
        },
    };

    public static SmartTexts For(HttpContext http)
    {
        var languages = http.Request.GetTypedHeaders().AcceptLanguage
            .Where(l => (l.Quality ?? 1) > 0).OrderByDescending(l => l.Quality ?? 1);
        foreach (var language in languages)
        {
            var tag = language.Value.Value ?? "";
            if (tag.StartsWith("fr", StringComparison.OrdinalIgnoreCase)) return French;
            if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase)) return English;
        }
        return French;
    }

    /// <summary>What a scope lets the app do, in words: <c>patient/Observation.rs</c> → "Read, search: Observation, of the patient".</summary>
    public string Describe(string scope)
    {
        if (Scopes.TryGetValue(scope, out var text)) return text;
        if (Authorization.SmartScope.Parse(scope) is not { } parsed) return scope;
        var verbs = string.Join(", ", "cruds".Where((_, i) => (parsed.Interactions & (Authorization.Interactions)(1 << i)) != 0).Select(c => Permissions[c]));
        var what = parsed.Type == "*" ? AllData : parsed.Type;
        var whose = parsed.Context == Authorization.ScopeContext.Patient ? OfThePatient : YouCanAccess;
        var colon = Language == "fr" ? " : " : ": ";
        return $"{char.ToUpperInvariant(verbs[0])}{verbs[1..]}{colon}{what}, {whose}" + (parsed.Query is null ? "" : $" ({parsed.Query})");
    }
}
