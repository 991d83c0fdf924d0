using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Identifiers;

/// <summary>How the identifier rules report: every rule is an error unless configured otherwise.</summary>
public sealed class IdentifierRuleOptions
{
    public static readonly IdentifierRuleOptions Default = new();

    /// <summary>Severity by rule name (<c>NIR</c>, <c>RPPS</c>…); a rule not named here reports <see cref="DefaultSeverity"/>.</summary>
    public Dictionary<string, IssueSeverity> Severities { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public IssueSeverity DefaultSeverity { get; init; } = IssueSeverity.Error;

    /// <summary>Rules switched off by name.</summary>
    public HashSet<string> Disabled { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public IssueSeverity SeverityOf(string rule) => Severities.TryGetValue(rule, out var s) ? s : DefaultSeverity;
}
