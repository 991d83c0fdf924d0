using FhirServer.Conformance.Search;
using FhirServer.Http;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;

namespace FhirServer.Search;

/// <summary>
/// The token modifiers that need the terminology (R4 search.html#token): <c>:in</c> and <c>:not-in</c> (the codes of
/// a value set, named by its canonical URL) and <c>:above</c> / <c>:below</c> (a code with its ancestors / descendants
/// in its code system). Each becomes a plain token clause over the code list the engine gives, so both stores and
/// the packaged-resource search answer it as any token search: <c>:not-in</c> as <c>:not</c> over the list (resources
/// without any of the codes, those without a value included, as <c>:not</c> has it). Each code is asked with its
/// system and, for code elements (indexed without a system), without one. A list longer than
/// <see cref="ServerSettings.MaxOrValues"/> is refused, naming the limit.
/// </summary>
internal sealed class TerminologyModifiers(IValueSetMembership? membership, CodeHierarchy? hierarchy, ServerSettings settings)
{
    private const string Limit = "Server:MaxOrValues";

    public SearchClause Clause(SearchParameterInfo? p, string code, string modifier, IReadOnlyList<string> values)
    {
        if (membership is null || hierarchy is null)
            throw FhirException.NotSupported($"{code}:{modifier} needs the terminology service, which this server does not offer.");
        if (values.Count == 0) throw FhirException.BadRequest($"'{code}:{modifier}' has no value.", code);
        var tokens = new List<SearchValue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var codes = 0;
        try
        {
            foreach (var value in values)
                foreach (var (system, c) in Codes(code, modifier, value))
                {
                    var raw = Escape(system) + "|" + Escape(c);
                    if (!seen.Add(raw)) continue;
                    // A code element has no system of its own (its binding implies it; TokenValues indexes it without
                    // one): "|code", a code without a system, stands for it.
                    tokens.Add(new SearchValue("eq", raw));
                    if (seen.Add("|" + Escape(c))) tokens.Add(new SearchValue("eq", "|" + Escape(c)));
                    if (++codes > settings.MaxOrValues)
                        throw TerminologyException.TooCostly($"'{code}:{modifier}' stands for more than {settings.MaxOrValues} codes, the most a search takes ({Limit})");
                }
        }
        catch (TerminologyException e)
        {
            throw FhirException.BadRequest($"{code}:{modifier}: {e.Message}.", code, e.IssueCode);
        }
        return new SearchClause(p, code, modifier == "not-in" ? "not" : null, tokens);
    }

    private IEnumerable<(string System, string Code)> Codes(string code, string modifier, string value)
    {
        if (modifier is "in" or "not-in") return membership!.Codes(value.Replace("\\|", "|"), settings.MaxOrValues, Limit);
        var (system, concept) = SqlSearch.SplitToken(value);
        if (system is not { Length: > 0 } || concept is null)
            throw FhirException.BadRequest($"'{code}:{modifier}' takes system|code (subsumption is within one code system), not '{value}'.", code);
        return hierarchy!.Related(system, concept, ancestors: modifier == "above", settings.MaxOrValues, Limit).Select(c => (system, c));
    }

    private static string Escape(string part) => part.Replace("|", "\\|");
}
