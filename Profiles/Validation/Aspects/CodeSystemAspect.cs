using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// A Coding's (or a Quantity's) code must be a code of its system, bound or not (R4 datatypes.html#Coding: "a symbol in
/// syntax defined by the system"): when the system is present here with its whole content (CodeSystem.content
/// complete), a code it does not define is an error, as the HL7 validator reports it ("Unknown code … in the
/// CodeSystem …"). Systems that are absent, fragments or examples say nothing. The check sits on the root of the
/// Coding and Quantity definitions, so it runs once per node of those types whatever element holds it.
/// </summary>
public sealed class CodeSystemAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        var info = element.Profile.Info;
        if (info.IsProfile || !ReferenceEquals(element.Definition, info.Root)) return;
        if (info.Type == "Coding" || BindingAspect.IsQuantity(info.Type)) checks.Add(CodeCheck.Instance);
    }

    // v2 table 0203 defines "NNxxx" as a template: "National Person Identifier where the xxx is the ISO table 3166
    // 3-character (alphabetic) country code" (NNFIN, NNFRA); the code system lists the template, not each country.
    private static bool IsTemplateCode(string system, string code) =>
        system == "http://terminology.hl7.org/CodeSystem/v2-0203" && code.Length == 5 && code.StartsWith("NN", StringComparison.Ordinal)
        && char.IsAsciiLetterUpper(code[2]) && char.IsAsciiLetterUpper(code[3]) && char.IsAsciiLetterUpper(code[4]);

    // A display is one of the concept's texts (its display, or a designation meant for display), in any case and
    // spacing, as the HL7 validator compares them; null when it is.
    private static string? WrongDisplay(Concept concept, string system, string display)
    {
        var given = Displays.CollapseWhitespace(display);
        var choices = Displays.Candidates(concept, null).ToList();
        if (choices.Count == 0 || choices.Any(c => string.Equals(Displays.CollapseWhitespace(c.Text), given, StringComparison.OrdinalIgnoreCase))) return null;
        var listed = string.Join(" or ", choices.Select(c => $"'{c.Text}'{(c.Language is null ? "" : $" ({c.Language})")}"));
        return $"Wrong Display Name '{display}' for {system}#{concept.Code}. Valid display is {(choices.Count == 1 ? "" : $"one of {choices.Count} choices: ")}{listed}";
    }

    private sealed class CodeCheck : IElementCheck
    {
        public static readonly CodeCheck Instance = new();

        public void Check(ElementNode node, ValidationState state)
        {
            if (state.Terminology is not { } tx) return;
            if (node.Child("system")?.Value is not { } system || node.Child("code") is not { Value: { } code } codeNode) return;
            var version = node.Child("version")?.Value;
            // A supplement only adds designations and properties to a code system (R4 codesystem.html §4.8.7).
            if (!tx.HasCodeSystem(system, version) && tx.IsSupplement(system, version))
            {
                state.Report(IssueSeverity.Error, "invalid", $"CodeSystem {system} is a supplement, so can't be used as a value in Coding.system", node.Child("system")!);
                return;
            }
            if (tx.IsInCodeSystem(system, code, version) == Membership.NotMember && !IsTemplateCode(system, code))
                state.Report(IssueSeverity.Error, "code-invalid",
                    $"Unknown code '{code}' in the CodeSystem '{system}'{(version is null ? "" : $" version '{version}'")}", codeNode);
            else if (node.Child("display") is { Value: { } display } displayNode && tx.Concept(system, code, version) is { } concept
                && WrongDisplay(concept, system, display) is { } wrong)
                state.Report(state.Options.WrongDisplaySeverity, "invalid", wrong, displayNode);
        }
    }
}
