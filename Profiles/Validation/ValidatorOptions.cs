using FhirServer.Conformance.Model;
using FhirServer.Profiles.Identifiers;

namespace FhirServer.Profiles.Validation;

/// <summary>What a validation applies beyond the base definitions, and how strict it is.</summary>
public sealed record ValidatorOptions
{
    public static readonly ValidatorOptions Default = new();

    /// <summary>Apply the profiles a resource declares in <c>meta.profile</c> (R4 §validation: "declared profiles").</summary>
    public bool ApplyDeclaredProfiles { get; init; } = true;

    /// <summary>
    /// Severity of a <c>meta.profile</c> or requested profile that is not known here. The HL7 validator warns: a
    /// resource may claim conformance to profiles of guides the server does not load.
    /// </summary>
    public IssueSeverity UnknownProfileSeverity { get; init; } = IssueSeverity.Warning;

    /// <summary>
    /// Hold an Observation whose LOINC code is a vital sign to that sign's profile of R4 core (bp, bodytemp…), as R4
    /// observation-vitalsigns.html requires and the HL7 validator does. Off by default: a server receives vital signs
    /// written without the profiles' category and units, and refusing them is a choice for its configuration.
    /// </summary>
    public bool VitalSignsProfiles { get; init; }

    /// <summary>Evaluate invariants marked as best practice (<c>elementdefinition-bestpractice</c>); off as in the HL7 validator's default.</summary>
    public bool BestPracticeInvariants { get; init; }

    /// <summary>
    /// Issues reported for one resource, as the parser's <c>ParserOptions.MaxIssues</c>: past it the list ends with
    /// one issue counting the rest, so that a pathological resource cannot make an unbounded OperationOutcome.
    /// </summary>
    public int MaxIssues { get; init; } = 1000;

    /// <summary>
    /// Deepest nesting of profile validations on one path (an element's type profile, an extension's definition, a
    /// contained resource's profiles): definitions that refer to each other in a circle end here with an issue.
    /// </summary>
    public int MaxProfileDepth { get; init; } = 64;

    /// <summary>
    /// Validate contained resources (as resources of their own, and dom-3 about them); off, they are left unchecked,
    /// as the HL7 validator's <c>validateContains</c> policy IGNORE does (a server that receives resources whose
    /// contained parts it does not use).
    /// </summary>
    public bool ValidateContained { get; init; } = true;

    /// <summary>
    /// Accept URLs of the example domains (example.org, example.com, example.net, acme.com, acme.org and the example
    /// OIDs) in uri, url and canonical elements. On by default, as in the HL7 validator; off for content that must be
    /// real (a production feed), where such a URL is an error.
    /// </summary>
    public bool AllowExampleUrls { get; init; } = true;

    /// <summary>
    /// Accept resources marked <c>experimental</c> (R4 canonical resources: "for testing purposes … never for real
    /// usage"). On by default; off where only content fit for real use is wanted, where such a resource is an error.
    /// </summary>
    public bool AllowExperimentalContent { get; init; } = true;

    /// <summary>
    /// Profiles Bundle entries must meet beside their own (the HL7 validator's bundle validation rules): each rule
    /// names entries by type and position (<see cref="BundleEntryProfile"/>). Empty by default.
    /// </summary>
    public IReadOnlyList<BundleEntryProfile> BundleEntryProfiles { get; init; } = [];

    /// <summary>
    /// Severity of a Coding display that is neither the display nor a designation of its concept, in a code system
    /// present with its whole content. A warning by default: published national examples carry displays their code
    /// systems have since reworded, and the code is what a receiver acts on. The HL7 validator reports an error unless
    /// run with <c>-display-issues-are-warnings</c>.
    /// </summary>
    public IssueSeverity WrongDisplaySeverity { get; init; } = IssueSeverity.Warning;

    /// <summary>
    /// Refuse primitive values that look like they hold HTML tags (<c>&lt;script&gt;</c> in a name): for servers whose
    /// data is shown by clients that may not escape it. Off by default, as the HL7 validator's security checks.
    /// </summary>
    public bool SecurityChecks { get; init; }

    /// <summary>Markdown holding a raw HTML tag (FHIR renders markdown without embedded HTML): a warning by default, as in the HL7 validator.</summary>
    public HtmlInMarkdownCheck HtmlInMarkdown { get; init; } = HtmlInMarkdownCheck.Warning;

    /// <summary>
    /// The rules HL7 applies to what it publishes itself (a definition in HL7's space names its owning work group):
    /// for validating content bound for an HL7 publication, off otherwise, as the HL7 validator's for-publication mode.
    /// </summary>
    public bool ForPublication { get; init; }

    /// <summary>
    /// Whether an extension whose definition is not known here is accepted with a warning (true) or rejected unless its
    /// url is in <see cref="AllowedExtensionDomains"/> (false, the HL7 validator's default). A server receives resources
    /// written for guides it does not load, and R4 extensibility.html §2.5.0.1 lets any system ignore an extension it
    /// does not know (not a modifier extension, which is always an error when unknown).
    /// </summary>
    public bool AnyExtensionsAllowed { get; init; } = true;

    /// <summary>
    /// Url prefixes of extensions accepted without their definition when <see cref="AnyExtensionsAllowed"/> is off (the
    /// HL7 validator's <c>extensionDomains</c>). Extensions of the FHIR tooling (<c>http://hl7.org/fhir/tools/</c>) and
    /// DICOM's (<c>nema.org</c>) always are, and those of example domains when <see cref="AllowExampleUrls"/>.
    /// </summary>
    public IReadOnlyList<string> AllowedExtensionDomains { get; init; } = [];

    /// <summary>Whether an extension whose definition is unknown may be used with this url (a warning), or not (an error).</summary>
    public bool AllowsUnknownExtension(string url)
    {
        if (AnyExtensionsAllowed || (AllowExampleUrls && IsExampleExtensionDomain(url)) || url.Contains("nema.org", StringComparison.Ordinal) ||
            url.StartsWith("http://hl7.org/fhir/tools/StructureDefinition/", StringComparison.Ordinal))
            return true;
        foreach (var domain in AllowedExtensionDomains)
            if (url.StartsWith(domain, StringComparison.Ordinal)) return true;
        return false;
    }

    // The HL7 validator's domains of example extensions: narrower than the example URLs refused in values.
    private static bool IsExampleExtensionDomain(string url) =>
        url.Contains("example.org", StringComparison.Ordinal) || url.Contains("acme.com", StringComparison.Ordinal);

    /// <summary>The French identifier rules (null: not applied).</summary>
    public IdentifierRuleRegistry? IdentifierRules { get; init; }
}
