using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Urls in the domains reserved for examples (example.org, acme.com) where examples are not allowed
/// (<see cref="ValidatorOptions.AllowExamples"/> off: content meant for publication or production, as the HL7
/// validator's <c>allowExamples</c>). Compiled on the root of the uri, url and canonical types, so that it runs on
/// every such value whatever element holds it.
/// </summary>
public sealed class ExampleUrlAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (element.Profile.Info.IsPrimitive && element.Path == element.Profile.Type && element.Profile.Type is "uri" or "url" or "canonical")
            checks.Add(ExampleUrlCheck.Instance);
    }

    private sealed class ExampleUrlCheck : IElementCheck
    {
        public static readonly ExampleUrlCheck Instance = new();

        public void Check(ElementNode node, ValidationState state)
        {
            if (!state.Options.AllowExamples && node.Value is { } url && ValidatorOptions.IsExampleUrl(url))
                state.Report(IssueSeverity.Error, "invalid", $"Example URLs are not allowed in this context ({url})", node);
        }
    }
}
