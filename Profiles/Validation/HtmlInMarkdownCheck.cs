namespace FhirServer.Profiles.Validation;

/// <summary>What markdown holding a raw HTML tag gets (<see cref="ValidatorOptions.HtmlInMarkdown"/>), as the HL7 validator's option of that name.</summary>
public enum HtmlInMarkdownCheck
{
    None,
    Warning,
    Error,
}
