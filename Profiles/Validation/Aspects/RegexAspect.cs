using System.Text.Json;
using System.Text.RegularExpressions;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// The <c>regex</c> extension (http://hl7.org/fhir/StructureDefinition/regex) a profile puts on an element or on one of
/// its types: the value must match it whole. The regex of each primitive type itself is the parser's (PrimitiveRules),
/// so primitive types' own definitions are skipped. Compiled once, non-backtracking where the pattern allows (linear
/// in the value: a profile's pattern cannot be made to run away by a value), else with a timeout.
/// </summary>
public sealed class RegexAspect : IAspectBuilder
{
    private const string RegexExtension = "http://hl7.org/fhir/StructureDefinition/regex";
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (element.Profile.Info.IsPrimitive) return;
        var source = ValueMatcher.SourceOf(element);
        if (Find(json) is { } onElement) checks.Add(new RegexCheck(onElement, Compile(onElement), null, source));
        if (!json.TryGetProperty("type", out var types) || types.ValueKind != JsonValueKind.Array) return;
        foreach (var type in types.EnumerateArray())
            if (Find(type) is { } onType && type.TryGetProperty("code", out var code))
                checks.Add(new RegexCheck(onType, Compile(onType), code.GetString(), source));
    }

    private static string? Find(JsonElement e)
    {
        if (!e.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array) return null;
        foreach (var x in extensions.EnumerateArray())
            if (x.TryGetProperty("url", out var url) && url.GetString() == RegexExtension && x.TryGetProperty("valueString", out var v))
                return v.GetString();
        return null;
    }

    private static Regex? Compile(string pattern)
    {
        var anchored = $"^(?:{pattern})$";
        try { return new Regex(anchored, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant); }
        catch (NotSupportedException) { }
        catch (ArgumentException) { return null; }
        try { return new Regex(anchored, RegexOptions.CultureInvariant, MatchTimeout); }
        catch (ArgumentException) { return null; }
    }

    private sealed class RegexCheck(string pattern, Regex? regex, string? type, string source) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Value is not { } value || (type is not null && node.Type != type)) return;
            if (regex is null)
            {
                state.Report(IssueSeverity.Warning, "invalid", $"The regex '{pattern}' of the profile {source} is not a valid regular expression: it is not checked", node);
                return;
            }
            bool matches;
            try { matches = regex.IsMatch(value); }
            catch (RegexMatchTimeoutException)
            {
                state.Report(IssueSeverity.Warning, "too-costly", $"The value could not be checked against the regex '{pattern}' of the profile {source} in {MatchTimeout.TotalSeconds:N0} s", node);
                return;
            }
            if (!matches)
                state.Report(IssueSeverity.Error, "value", $"The value '{value}' does not match the regex '{pattern}' required by the profile {source}", node);
        }
    }
}
