using System.Text.RegularExpressions;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// An invariant that only asks whether paths of child names lead anywhere, joined by <c>and</c> / <c>or</c>
/// (<c>code.empty() or system.exists()</c>, qty-3; <c>contained.meta.versionId.empty() and …</c>, dom-4): 56 of R4's
/// invariants. Checked by walking the children, without FHIRPath: <c>exists()</c> and <c>empty()</c> always give a
/// boolean, so the three-valued logic of <c>and</c>/<c>or</c> reduces to the two-valued one, and <c>and</c> binds
/// tighter than <c>or</c> (FHIRPath N1 §operator precedence).
/// </summary>
internal sealed partial class ExistenceInvariantCheck : IElementCheck
{
    private readonly string _key;
    private readonly IssueSeverity _severity;
    private readonly string _message;
    // Alternatives (or) of conjunctions (and) of terms: a path of child names, and whether it must lead somewhere.
    private readonly (string[] Path, bool Exists)[][] _alternatives;

    private ExistenceInvariantCheck(string key, IssueSeverity severity, string message, (string[] Path, bool Exists)[][] alternatives)
    {
        _key = key;
        _severity = severity;
        _message = message;
        _alternatives = alternatives;
    }

    /// <summary>The check for <paramref name="expression"/> when it has this form; null otherwise (FHIRPath evaluates it).</summary>
    public static ExistenceInvariantCheck? TryCreate(string key, IssueSeverity severity, string human, string source, string expression)
    {
        if (!Form().IsMatch(expression)) return null;
        var alternatives = expression.Split(" or ").Select(alternative => alternative.Split(" and ").Select(term =>
        {
            var exists = term.EndsWith(".exists()", StringComparison.Ordinal);
            var path = term[..term.LastIndexOf('.')];
            return (path.Split('.'), exists);
        }).ToArray()).ToArray();
        return new ExistenceInvariantCheck(key, severity, ConstraintAspect.Message(key, human, source), alternatives);
    }

    public void Check(ElementNode node, ValidationState state)
    {
        foreach (var conjunction in _alternatives)
        {
            var holds = true;
            foreach (var (path, exists) in conjunction)
                if (Leads(node, path, 0) != exists)
                {
                    holds = false;
                    break;
                }
            if (holds) return;
        }
        state.Report(_severity, "invariant", _message, node);
    }

    private static bool Leads(ElementNode node, string[] path, int depth)
    {
        if (depth == path.Length) return true;
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
            if (children[i].Name == path[depth] && Leads(children[i], path, depth + 1)) return true;
        return false;
    }

    // Names the check in timings (benchmarks' `validation --check-timings`).
    public override string ToString() => _key;

    // Lower-case first letters: element names, never a type name (`Patient.name`) nor a variable.
    [GeneratedRegex(@"^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*\.(empty|exists)\(\)( (and|or) [a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*\.(empty|exists)\(\))*$")]
    private static partial Regex Form();
}
