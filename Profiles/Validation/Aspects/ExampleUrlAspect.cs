using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// URLs of the example domains (RFC 2606's example.org, example.com, example.net; acme.com and acme.org; the example
/// OIDs 2.999 and 1.3.6.1.4.1.32473) in uri, url and canonical elements, refused when the validation does not accept
/// examples (<see cref="ValidatorOptions.AllowExampleUrls"/>): they name nothing real. The HL7 validator's list and
/// message. Compiled onto those elements only; the check returns at once while examples are accepted (the default).
/// </summary>
public sealed class ExampleUrlAspect : IAspectBuilder
{
    private static readonly ExampleUrlCheck Check = new(false);
    private static readonly ExampleUrlCheck ChoiceCheck = new(true);
    private static readonly string[] Domains = ["example.org", "example.com", "example.net", "acme.com", "acme.org"];

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        // Extension.url is typed as a FHIRPath string with the fhir-type uri in R4's snapshots.
        if (element.Path == "Extension.url" || (element.Types.Count > 0 && element.Types.All(IsUrlType))) checks.Add(Check);
        // A choice among other types: only the nodes of a URL type.
        else if (element.Types.Any(IsUrlType)) checks.Add(ChoiceCheck);
    }

    private static bool IsUrlType(Conformance.Definitions.TypeRef type) => type.Code is "uri" or "url" or "canonical";

    /// <summary>Whether <paramref name="url"/> lies in an example domain or under an example OID.</summary>
    public static bool IsExample(string url)
    {
        foreach (var domain in Domains)
            if (url.Contains(domain + "/", StringComparison.OrdinalIgnoreCase) || url.EndsWith(domain, StringComparison.OrdinalIgnoreCase)) return true;
        return url.StartsWith("urn:oid:2.999.", StringComparison.Ordinal) || url.StartsWith("urn:oid:1.3.6.1.4.1.32473.", StringComparison.Ordinal);
    }

    private sealed class ExampleUrlCheck(bool choice) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (state.Options.AllowExampleUrls || node.Value is not { } url || !IsExample(url)) return;
            if (choice && node.Type is not ("uri" or "url" or "canonical")) return;
            state.Report(IssueSeverity.Error, "invalid", $"Example URLs are not allowed in this context ({url})", node);
        }
    }
}
