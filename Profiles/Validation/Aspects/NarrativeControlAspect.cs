using System.Text.Json;
using System.Xml.Linq;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// What a profile asks of a narrative through two extensions on the Narrative element (FHIR extensions pack,
/// narrative.html §"Language sections" and "Source attribution"), checked on the div as the HL7 validator does:
/// <list type="bullet">
/// <item><c>narrative-language-control</c>: <c>_yes</c>, the narrative is divided into language sections (divs with
/// <c>xml:lang</c> directly under the root); <c>_no</c>, it has none; <c>_resource</c>, one of them is in the
/// resource's language; a language code, one of them is in that language. A section missing or present against the
/// rule is an error;</item>
/// <item><c>narrative-source-control</c>: every piece of text says where it comes from by a class (boilerplate,
/// generated, extensions, additional or original) on itself or an enclosing element; each piece that does not is
/// reported with the severity the extension gives.</item>
/// </list>
/// Issues are located on the Narrative element the profile constrains and name the profile.
/// </summary>
public sealed class NarrativeControlAspect : IAspectBuilder
{
    private const string LanguageControl = "http://hl7.org/fhir/StructureDefinition/narrative-language-control";
    private const string SourceControl = "http://hl7.org/fhir/StructureDefinition/narrative-source-control";
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    private static readonly HashSet<string> SourceClasses = new(StringComparer.Ordinal)
    {
        "boilerplate", "generated", "extensions", "additional", "original",
    };

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        var languages = DefinitionExtensions.Values(json, LanguageControl, "valueCode")
            .Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray();
        IssueSeverity? source = null;
        foreach (var v in DefinitionExtensions.Values(json, SourceControl, "valueCode"))
            source = v.GetString() switch
            {
                "fatal" => IssueSeverity.Fatal,
                "error" => IssueSeverity.Error,
                "warning" => IssueSeverity.Warning,
                "information" => IssueSeverity.Information,
                _ => source,
            };
        if (languages.Length > 0 || source is not null)
            checks.Add(new NarrativeControlCheck($"StructureDefinition[{element.Profile.Url}]", languages, source));
    }

    private sealed class NarrativeControlCheck(string profile, string[] languages, IssueSeverity? source) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            // A div that cannot be read was reported by the parser.
            if (node.Child("div")?.Value is not { } xhtml || NarrativeLinkCheck.Load(xhtml) is not { } div) return;
            foreach (var rule in languages) CheckLanguages(rule, div, node, state);
            if (source is { } severity) CheckSources(div, node, severity, state);
        }

        private void CheckLanguages(string rule, XElement div, ElementNode node, ValidationState state)
        {
            var sections = div.Elements().Where(e => e.Name.LocalName == "div")
                .Select(e => e.Attribute(XName.Get("lang", XmlNamespace))?.Value).OfType<string>()
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var found = string.Join(", ", sections);
            switch (rule)
            {
                case "_yes" when sections.Count == 0:
                    Error($"The xhtml has no language sections, but language sections are required in this context by the profile {profile}");
                    break;
                case "_no" when sections.Count > 0:
                    Error($"The xhtml has some language sections ({found}), but language sections are prohibited in this context by the profile {profile}");
                    break;
                case "_resource":
                    if (node.ResourceNode?.Child("language")?.Value is { } language && !sections.Contains(language))
                        Error($"The profile {profile} requires a section in the narrative for the resource language ({language}), but it was not found (found {found})");
                    break;
                case not ("_yes" or "_no") when !sections.Contains(rule):
                    Error($"The profile {profile} requires a section in the narrative for the language {rule}, but it was not found (found {found})");
                    break;
            }

            void Error(string message) => state.Report(IssueSeverity.Error, "business-rule", message, node);
        }

        // Text outside any element with a source class: a text node on its own, or an element holding text, reported once.
        private void CheckSources(XElement element, ElementNode node, IssueSeverity severity, ValidationState state)
        {
            foreach (var child in element.Nodes())
            {
                switch (child)
                {
                    case XText text when !string.IsNullOrWhiteSpace(text.Value):
                        Report(text.Value);
                        break;
                    case XElement e when HasSourceClass(e):
                        break;
                    case XElement e when e.Nodes().OfType<XText>().Any(t => !string.IsNullOrWhiteSpace(t.Value)):
                        Report(e.Value);
                        break;
                    case XElement e:
                        CheckSources(e, node, severity, state);
                        break;
                }
            }

            void Report(string text) => state.Report(severity, "business-rule",
                $"The xhtml node at '{string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}' does not have a class attribute to indicate its source (boilerplate, generated, or original) and this is required by the profile {profile}",
                node);
        }

        private static bool HasSourceClass(XElement element) =>
            element.Attribute("class")?.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(SourceClasses.Contains) == true;

        public override string ToString() => "narrative control";
    }
}
