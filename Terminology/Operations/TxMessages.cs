using System.Globalization;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// The messages of $validate-code, by the message ids terminology servers share (the ids of the FHIR validator's
/// message bundle, which tx.fhir.org also reports in the operationoutcome-message-id extension). Clients and test
/// suites match on the id; the text is the English template with its arguments filled in.
/// </summary>
public static class TxMessages
{
    public const string NotInValueSet = "None_of_the_provided_codes_are_in_the_value_set_one";
    public const string NoValidCoding = "TX_GENERAL_CC_ERROR_MESSAGE";
    public const string UnknownCodeInVersion = "Unknown_Code_in_Version";
    public const string UnknownCode = "Unknown_Code_in";
    public const string UnknownCodeInFragment = "UNKNOWN_CODE_IN_FRAGMENT";
    public const string UnknownCodeSystem = "UNKNOWN_CODESYSTEM";
    /// <summary>The text of <see cref="UnknownCodeSystem"/> for a system outside the value set (a template only: the id reported is UNKNOWN_CODESYSTEM).</summary>
    public const string UnknownCodeSystemOutsideValueSet = "UNKNOWN_CODESYSTEM (outside the value set)";
    public const string UnknownCodeSystemVersion = "UNKNOWN_CODESYSTEM_VERSION";
    public const string UnknownCodeSystemVersionNone = "UNKNOWN_CODESYSTEM_VERSION_NONE";
    public const string NoSystem = "Coding_has_no_system__cannot_validate";
    public const string RelativeSystem = "Terminology_TX_System_Relative";
    public const string SystemIsValueSet = "Terminology_TX_System_ValueSet2";
    public const string CannotInferSystem = "UNABLE_TO_INFER_CODESYSTEM";
    public const string CannotInferSystemMultiple = "Unable_to_resolve_system__value_set_has_multiple_matches";
    public const string AbstractCode = "ABSTRACT_CODE_NOT_ALLOWED";
    public const string NotActive = "STATUS_CODE_WARNING_CODE";
    public const string InactiveConcept = "INACTIVE_CONCEPT_FOUND";
    public const string DeprecatedConcept = "DEPRECATED_CONCEPT_FOUND";
    public const string DeprecatedInValueSet = "CONCEPT_DEPRECATED_IN_VALUESET";
    public const string CaseDifference = "CODE_CASE_DIFFERENCE";
    public const string WrongDisplay = "Display_Name_for__should_be_one_of__instead_of";
    public const string WrongDisplayWhitespace = "Display_Name_WS_for__should_be_one_of__instead_of";
    public const string NoDisplayForLanguage = "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR";
    public const string DisplayOnlyInDefaultLanguage = "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK";
    public const string UnknownValueSet = "Unable_to_resolve_value_Set_";
    /// <summary>An import in a version that does not exist, met while expanding (the text is that of <see cref="UnknownValueSet"/>).</summary>
    public const string UnknownPinnedImport = "VS_EXP_IMPORT_UNK_PINNED";
    public const string FilterWithoutValue = "UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE";
    public const string CircularReference = "VALUESET_CIRCULAR_REFERENCE";
    public const string InvalidDisplayLanguage = "INVALID_DISPLAY_NAME";
    public const string Draft = "MSG_DRAFT";
    public const string Experimental = "MSG_EXPERIMENTAL";
    public const string Retired = "MSG_RETIRED";
    public const string Deprecated = "MSG_DEPRECATED";
    public const string Withdrawn = "MSG_WITHDRAWN";
    public const string VersionMismatch = "VALUESET_VALUE_MISMATCH";
    public const string VersionMismatchChanged = "VALUESET_VALUE_MISMATCH_CHANGED";
    public const string VersionMismatchDefault = "VALUESET_VALUE_MISMATCH_DEFAULT";
    public const string VersionCheck = "VALUESET_VERSION_CHECK";
    public const string SupplementAsSystem = "CODESYSTEM_CS_NO_SUPPLEMENT";

    /// <summary>
    /// The text (reported without a message id, as terminology servers do) for a $validate-code request with nothing
    /// to validate: an error of the request, not an answer about a code.
    /// </summary>
    public const string NoCodeToValidate =
        "Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters";

    private static readonly Dictionary<string, string> Templates = new(StringComparer.Ordinal)
    {
        [NotInValueSet] = "The provided code '{0}' was not found in the value set '{1}'",
        [NoValidCoding] = "No valid coding was found for the value set '{0}'",
        [UnknownCodeInVersion] = "Unknown code '{0}' in the CodeSystem '{1}' version '{2}'",
        [UnknownCode] = "Unknown code '{0}' in the CodeSystem '{1}'",
        [UnknownCodeInFragment] = "Unknown Code '{0}' in the CodeSystem '{1}' version '{2}' - note that the code system is labeled as a fragment, so the code may be valid in some other fragment",
        [UnknownCodeSystem] = "A definition for CodeSystem '{0}' could not be found, so the code cannot be validated",
        [UnknownCodeSystemOutsideValueSet] = "A definition for CodeSystem {0} could not be found, so the code cannot be validated",
        [UnknownCodeSystemVersion] = "A definition for CodeSystem '{0}' version '{1}' could not be found, so the code cannot be validated. Valid versions: {2}",
        [UnknownCodeSystemVersionNone] = "A definition for CodeSystem '{0}' version '{1}' could not be found, so the code cannot be validated. No versions of this code system are known",
        [NoSystem] = "Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided",
        [RelativeSystem] = "Coding.system must be an absolute reference, not a local reference",
        [SystemIsValueSet] = "The Coding references a value set, not a code system ('{0}')",
        [CannotInferSystem] = "The System URI could not be determined for the code '{0}' in the ValueSet '{1}'",
        [CannotInferSystemMultiple] = "The System URI could not be determined for the code '{0}' in the ValueSet '{1}': value set expansion has multiple matches: [{2}]",
        [AbstractCode] = "Code '{0}#{1}' is abstract, and not allowed in this context",
        [NotActive] = "The concept '{0}' is valid but is not active",
        [InactiveConcept] = "The concept '{0}' has a status of {1} and its use should be reviewed",
        [DeprecatedConcept] = "The concept '{0}' is deprecated and its use should be reviewed",
        [DeprecatedInValueSet] = "The presence of the concept '{0}' in the system '{1}' in the value set {2} is marked with a status of deprecated and its use should be reviewed",
        [CaseDifference] = "The code '{0}' differs from the correct code '{1}' by case. Although the code system '{2}' is case insensitive, implementers are strongly encouraged to use the correct case anyway",
        [WrongDisplay] = "Wrong Display Name '{0}' for {1}#{2}. Valid display is {3} (for the language(s) '{4}')",
        [WrongDisplayWhitespace] = "Wrong whitespace in Display Name '{0}' for {1}#{2}. Valid display is {3} (for the language(s) '{4}')",
        [NoDisplayForLanguage] = "Wrong Display Name '{0}' for {1}#{2}. There are no valid display names found for language(s) '{3}'. Default display is '{4}'",
        [DisplayOnlyInDefaultLanguage] = "There are no valid display names found for the code {0}#{1} for language(s) '{2}'. The display is '{3}' which is a valid display for the default language",
        [UnknownValueSet] = "A definition for the value Set '{0}' could not be found",
        [FilterWithoutValue] = "The system {0} filter with property = {1}, op = {2} has no value",
        [CircularReference] = "Found a circularity pointing to {0} processing ValueSet with pathway [{1}]",
        [InvalidDisplayLanguage] = "Invalid displayLanguage: '{0}'",
        [Draft] = "Reference to draft {0} {1}",
        [Experimental] = "Reference to experimental {0} {1}",
        [Retired] = "Reference to retired {0} {1}",
        [Deprecated] = "Reference to deprecated {0} {1}",
        [Withdrawn] = "Reference to withdrawn {0} {1}",
        [VersionMismatch] = "The code system '{0}' version '{1}' in the ValueSet include is different to the one in the value ('{2}')",
        [VersionMismatchChanged] = "The code system '{0}' version '{1}' resulting from the version '{2}' in the ValueSet include is different to the one in the value ('{3}')",
        [VersionMismatchDefault] = "The code system '{0}' version '{1}' for the versionless include in the ValueSet include is different to the one in the value ('{2}')",
        [VersionCheck] = "The version '{1}' is not allowed for system '{0}': required to be '{2}' by a version-check parameter",
        [SupplementAsSystem] = "CodeSystem {0} is a supplement, so can't be used as a value in {1}",
    };

    // The warnings and information that the message output repeats beside the errors; the others (a concept the
    // value set marks deprecated, a code missing from a fragment, the status of a resource) are only issues.
    private static readonly HashSet<string> RepeatedInMessage =
        [NoSystem, InactiveConcept, DeprecatedConcept, WrongDisplay, WrongDisplayWhitespace, NoDisplayForLanguage, DisplayOnlyInDefaultLanguage];

    /// <summary>Whether the message output of $validate-code repeats this issue's text: every error, and some warnings.</summary>
    public static bool InMessage(ValidationIssue issue) =>
        issue.Severity is "error" or "fatal" || issue.MessageId is { } id && RepeatedInMessage.Contains(id);

    /// <summary>The text of a message: its template with the arguments in place.</summary>
    public static string Format(string id, params object?[] args) =>
        string.Format(CultureInfo.InvariantCulture, Templates[id], args);

    /// <summary>An issue of $validate-code carrying its message id.</summary>
    public static ValidationIssue Issue(string severity, string code, string? expression, string detail, string id, params object?[] args) =>
        new(severity, code, Format(id, args), expression, detail) { MessageId = id };
}
