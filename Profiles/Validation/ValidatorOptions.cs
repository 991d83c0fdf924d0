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
    /// Whether an extension whose definition is not known here is accepted with a warning (true) or rejected unless its
    /// url is in <see cref="AllowedExtensionDomains"/> (false, the HL7 validator's default). A server receives resources
    /// written for guides it does not load, and R4 extensibility.html §2.5.0.1 lets any system ignore an extension it
    /// does not know (not a modifier extension, which is always an error when unknown).
    /// </summary>
    public bool AnyExtensionsAllowed { get; init; } = true;

    /// <summary>
    /// Url prefixes of extensions accepted without their definition when <see cref="AnyExtensionsAllowed"/> is off (the
    /// HL7 validator's <c>extensionDomains</c>). Extensions of the FHIR tooling (<c>http://hl7.org/fhir/tools/</c>) and
    /// DICOM's (<c>nema.org</c>) always are, and those of example domains when <see cref="AllowExamples"/>.
    /// </summary>
    public IReadOnlyList<string> AllowedExtensionDomains { get; init; } = [];

    /// <summary>
    /// Whether the example domains (<c>example.org</c>, <c>acme.com</c>) may appear in urls: off, such a url is an error
    /// and an unknown extension there is not accepted (the HL7 validator's <c>allowExamples</c>, which publication of
    /// real content turns off).
    /// </summary>
    public bool AllowExamples { get; init; } = true;

    /// <summary>Whether an extension whose definition is unknown may be used with this url (a warning), or not (an error).</summary>
    public bool AllowsUnknownExtension(string url)
    {
        if (AnyExtensionsAllowed || (AllowExamples && IsExampleUrl(url)) || url.Contains("nema.org", StringComparison.Ordinal) ||
            url.StartsWith("http://hl7.org/fhir/tools/StructureDefinition/", StringComparison.Ordinal))
            return true;
        foreach (var domain in AllowedExtensionDomains)
            if (url.StartsWith(domain, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>A url in one of the domains reserved for examples (RFC 2606's example.org, and acme.com the FHIR examples use).</summary>
    public static bool IsExampleUrl(string url) =>
        url.Contains("example.org", StringComparison.Ordinal) || url.Contains("acme.com", StringComparison.Ordinal);

    /// <summary>The French identifier rules (null: not applied).</summary>
    public IdentifierRuleRegistry? IdentifierRules { get; init; }
}
