using System.Text.Json.Nodes;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// Why a validation of the HL7 validator suite is not run here: every category, with its reason, in this one place.
/// A check is skipped only when it cannot run offline or is outside what the server validates; everything else runs
/// and is compared, even where the Java validator had an option the server's validator does not have (a difference
/// then goes to the known mismatches, with its first difference).
/// </summary>
public static class SuiteSkips
{
    public sealed record Category(string Name, string Reason);

    public static readonly Category Disabled = new("disabled",
        "the suite's authors switched the case off (use-test: false)");
    public static readonly Category OtherVersion = new("other FHIR version",
        "the server is R4: only cases for version 4.0 / 4.0.1 are run");
    public static readonly Category NotAResource = new("not a FHIR resource",
        "CDA documents, CDS Hooks and SMART Health Card payloads, logical models (module cda, cdshooks, shc, logical, or a `logical` block): the server validates FHIR resources only");
    public static readonly Category Signatures = new("digital signatures",
        "module dsig, or a `certificate`: the server does not verify JWS / XML signatures");
    public static readonly Category Json5 = new("JSON5",
        "module json5: the server reads strict JSON (RFC 8259), not JSON5");
    public static readonly Category Matchetype = new("matchetype",
        "module matchetype: a comparison mode of the Java tooling, not instance validation");
    public static readonly Category CrossVersion = new("cross-version extensions",
        "module xver: extensions and definitions of other FHIR versions (R5 extensions used in R4)");
    public static readonly Category QuestionnaireAnswers = new("QuestionnaireResponse against its Questionnaire",
        "a QuestionnaireResponse with its Questionnaire as supporting file or fetched by the Java runner (fetcher: standalone): the validator does not check answers against their questionnaire");
    public static readonly Category Fetcher = new("external references",
        "a `fetcher` or `validateReference` (other than IGNORE): the Java runner resolves and validates referenced resources from outside the instance; the server's validator resolves only through its own store");
    public static readonly Category RemoteTerminology = new("remote terminology server",
        "tags infoway-auth-required or a SNOMED CT edition (`sct`): the case is about an external terminology server");
    public static readonly Category NoJavaOutcome = new("no Java outcome",
        "the manifest records no outcome for the Java validator, or names a file the suite lacks");
    public static readonly Category FileMissing = new("files missing",
        "the instance, a supporting file or the profile is not in the suite (a profile named by canonical URL lives in a package)");
    public static readonly Category NotResourceFile = new("not a resource file",
        "the input is .txt or .ndjson: the validator takes one JSON or XML resource");
    public static readonly Category PackageMissing = new("package unavailable offline",
        "a package the case loads is neither in ../shared/fhir-packages nor a .tgz of the suite (US Core, IPS, German and Swiss guides, SDC…)");
    public static readonly Category UnusableSupporting = new("supporting resources of other types",
        "a supporting Questionnaire, Measure, Library or ImplementationGuide: the validator takes StructureDefinitions (ProfileSource) and ValueSets/CodeSystems (terminology); checking a QuestionnaireResponse against its Questionnaire or a MeasureReport against its Measure is not done");

    /// <summary>Why the check cannot run, or null when it runs; <paramref name="resourceTypeOf"/> gives the resourceType of a loaded file.</summary>
    public static Category? Reason(SuiteCheck check, Func<string, bool> fileExists, Func<string, bool> packageAvailable,
        Func<string, string?> resourceTypeOf)
    {
        var c = check.Case;
        if (c.Json["use-test"] is JsonValue use && !(bool)use || check.IsProfileStep && c.Profile!.Disabled) return Disabled;
        if (c.Version is not ("4.0" or "4.0.1")) return OtherVersion;
        if (c.Module is "cda" or "cdshooks" or "shc" or "logical" || c.Has("logical")) return NotAResource;
        if (c.Module is "dsig" || c.Has("certificate")) return Signatures;
        if (c.Module is "json5") return Json5;
        if (c.Module is "matchetype" || c.Has("matchetype")) return Matchetype;
        if (c.Module is "xver") return CrossVersion;
        if (resourceTypeOf(c.File) == "QuestionnaireResponse" && (c.Has("fetcher") || check.Files.Any(f => resourceTypeOf(f) == "Questionnaire")))
            return QuestionnaireAnswers;
        if (c.Has("fetcher") || c.Json["validateReference"] is JsonValue v && (string?)v != "IGNORE") return Fetcher;
        if (c.Has("sct") || SuiteCase.Strings(c.Json["tags"]).Contains("infoway-auth-required")) return RemoteTerminology;
        if (check.Expected is null) return NoJavaOutcome;
        if (!fileExists(c.File) || check.Files.Any(f => !fileExists(f))) return FileMissing;
        if (Path.GetExtension(c.File) is not (".json" or ".xml")) return NotResourceFile;
        if (c.Packages.Any(p => !packageAvailable(p))) return PackageMissing;
        if (check.Files.Any(f => resourceTypeOf(f) is not ("StructureDefinition" or "ValueSet" or "CodeSystem"))) return UnusableSupporting;
        return null;
    }
}
