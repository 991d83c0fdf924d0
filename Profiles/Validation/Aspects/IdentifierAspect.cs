using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Resources;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// The Identifier type's rule on its system: "urn:ietf:rfc:3986" says the value is itself a URI (R4
/// identifier-registry.html: "the identifier is a URI"), so it starts with a scheme ("urn:oid:2.16…", not "2.16…").
/// Built on the root of the Identifier type's definition, which every Identifier node is checked against.
/// </summary>
public sealed class IdentifierAspect : IAspectBuilder
{
    private const string UriSystem = "urn:ietf:rfc:3986";

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (element.Path == "Identifier") checks.Add(new UriValueCheck());
    }

    private sealed class UriValueCheck : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Child("system")?.Value != UriSystem || node.Child("value")?.Value is not { Length: > 0 } value
                || ResourceChecks.IsAbsolute(value)) return;
            state.Report(IssueSeverity.Error, "code-invalid",
                $"if identifier.system is '{UriSystem}', then the identifier.value must be a full URI (e.g. start with a scheme), not '{value}'", node);
        }
    }
}
