using System.Collections.Frozen;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Identifiers;

/// <summary>
/// The identifier rules by Identifier.system. <see cref="Check"/> walks a resource (contained resources, Bundle
/// entries and Reference.identifier included) and reports each value that breaks the rule of its system, with the
/// FHIRPath location of the value (<c>Patient.identifier[0].value</c>).
/// </summary>
public sealed class IdentifierRuleRegistry
{
    /// <summary>OperationOutcome issue type (R4 issue-type): a content rule on an element's value failed.</summary>
    public const string IssueType = "value";

    private readonly FrozenDictionary<string, IdentifierRule[]> _bySystem;
    private readonly IdentifierRuleOptions _options;

    public IdentifierRuleRegistry(IEnumerable<IdentifierRule> rules, IdentifierRuleOptions? options = null)
    {
        _options = options ?? IdentifierRuleOptions.Default;
        Rules = rules.Where(r => !_options.Disabled.Contains(r.Name)).ToList();
        _bySystem = Rules
            .SelectMany(r => r.Systems.Select(s => (System: s, Rule: r)))
            .GroupBy(x => x.System, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Rule).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The French national identifiers' rules (<see cref="FrenchIdentifierRules"/>).</summary>
    public static IdentifierRuleRegistry CreateDefault(IdentifierRuleOptions? options = null) => new(FrenchIdentifierRules.All, options);

    public IReadOnlyList<IdentifierRule> Rules { get; }

    public IReadOnlyList<IdentifierRule> RulesFor(string system) => _bySystem.TryGetValue(system, out var rules) ? rules : [];

    /// <summary>Every broken identifier rule in the tree under <paramref name="root"/>.</summary>
    public IReadOnlyList<OutcomeIssue> Check(ElementNode root)
    {
        var issues = new List<OutcomeIssue>();
        if (root.Type == "Identifier") CheckIdentifier(root, issues);
        foreach (var node in root.Descendants())
            if (node.Type == "Identifier") CheckIdentifier(node, issues);
        return issues;
    }

    /// <summary>The issues of one Identifier node.</summary>
    public void CheckIdentifier(ElementNode identifier, List<OutcomeIssue> issues)
    {
        if (identifier.Child("system")?.Value is not { } system || !_bySystem.TryGetValue(system, out var rules)) return;
        if (identifier.Child("value") is not { Value: { } value } valueNode) return;
        var owner = OwnerType(identifier);
        foreach (var rule in rules)
        {
            if (!rule.AppliesTo(owner) || rule.Check(value, identifier) is not { } message) continue;
            issues.Add(new OutcomeIssue(_options.SeverityOf(rule.Name), IssueType, $"{rule.Name} rule: {message}",
                valueNode.Location, valueNode.Line, valueNode.Column));
        }
    }

    // Whose identifier this is: the referenced type for Reference.identifier (when the reference says it), else the
    // resource the identifier is in.
    private static string? OwnerType(ElementNode identifier) =>
        identifier.Parent is { Type: "Reference" } reference ? reference.Child("type")?.Value : identifier.ResourceNode?.Type;
}
