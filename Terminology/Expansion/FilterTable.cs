using System.Text.RegularExpressions;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The compose filter operators (R4 ValueSet.compose.include.filter.op, §4.9.5) as predicates over a code system's
/// concepts. The property is <c>concept</c> (or <c>code</c>) for hierarchy and code filters, else a concept property.
/// </summary>
public static class FilterTable
{
    private delegate Func<Concept, bool> Builder(CodeSystemIndex cs, string property, string value);

    private static readonly Dictionary<string, Builder> Operators = new(StringComparer.Ordinal)
    {
        ["="] = (cs, p, v) => IsCode(p) ? c => Same(cs, c.Code, v) : c => PropertyValues(c, p).Any(x => x == v),
        ["is-a"] = (cs, p, v) => Root(cs, p, v, "is-a") is { } r ? r.Subsumes : _ => false,
        ["descendent-of"] = (cs, p, v) => Root(cs, p, v, "descendent-of") is { } r ? c => !ReferenceEquals(c, r) && r.Subsumes(c) : _ => false,
        ["is-not-a"] = (cs, p, v) => Root(cs, p, v, "is-not-a") is { } r ? c => !r.Subsumes(c) : _ => true,
        ["generalizes"] = (cs, p, v) => Root(cs, p, v, "generalizes") is { } r ? c => c.Subsumes(r) : _ => false,
        ["child-of"] = (cs, p, v) => Root(cs, p, v, "child-of") is { } r ? c => c.Parents.Contains(r) : _ => false,
        ["regex"] = (cs, p, v) =>
        {
            // The whole value must match (R4: "the specified property of the code matches the regex").
            var regex = CompileRegex(cs, p, v);
            return IsCode(p) ? c => regex.IsMatch(c.Code) : c => PropertyValues(c, p).Any(regex.IsMatch);
        },
        ["in"] = (cs, p, v) => InSet(cs, p, v),
        ["not-in"] = (cs, p, v) => { var inSet = InSet(cs, p, v); return c => !inSet(c); },
        ["exists"] = (cs, p, v) =>
        {
            var wanted = v != "false";
            return c => PropertyValues(c, p).Any() == wanted;
        },
    };

    public static bool IsSupported(string op) => Operators.ContainsKey(op);

    /// <summary>The predicate for one filter; an operator the server does not implement is refused, not ignored.</summary>
    public static Func<Concept, bool> Build(CodeSystemIndex cs, string property, string op, string value)
    {
        if (!Operators.TryGetValue(op, out var builder))
            throw TerminologyException.NotSupported($"The filter operator '{op}' is not supported (property '{property}', system '{cs.Url}')");
        return builder(cs, property, value);
    }

    // Patterns come from value sets, so from clients: a pattern is matched in linear time (no backtracking), and only
    // one the linear engine cannot run (backreferences, lookarounds) falls back to backtracking under a time limit.
    private static Regex CompileRegex(CodeSystemIndex cs, string property, string pattern)
    {
        try
        {
            try
            {
                return new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException)
            {
                return new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
        }
        catch (ArgumentException e)
        {
            throw TerminologyException.Invalid($"The regex filter '{pattern}' on the property '{property}' of '{cs.Url}' is not a valid regular expression: {e.Message}");
        }
    }

    private static bool IsCode(string property) => property is "concept" or "code";

    private static bool Same(CodeSystemIndex cs, string a, string b) =>
        string.Equals(a, b, cs.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    private static Concept? Root(CodeSystemIndex cs, string property, string value, string op) =>
        IsCode(property) || property == "parent"
            ? cs.Find(value)
            : throw TerminologyException.NotSupported($"The filter '{property} {op}' is not supported: '{op}' applies to the property 'concept'");

    private static Func<Concept, bool> InSet(CodeSystemIndex cs, string property, string value)
    {
        var values = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(cs.CaseSensitive || !IsCode(property) ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        return IsCode(property) ? c => values.Contains(c.Code) : c => PropertyValues(c, property).Any(values.Contains);
    }

    private static IEnumerable<string> PropertyValues(Concept c, string property)
    {
        if (property == "display") return c.Display is null ? [] : [c.Display];
        if (property == "parent") return c.Parents.Select(p => p.Code);
        if (property == "child") return c.Children.Select(p => p.Code);
        return c.Properties.Where(p => p.Code == property).Select(p => p.Coding?.Code ?? p.Value).OfType<string>();
    }
}
