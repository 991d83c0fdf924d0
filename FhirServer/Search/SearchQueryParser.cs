using System.Globalization;
using System.Text;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Search;
using FhirServer.Http;
using FhirServer.Terminology.Membership;

namespace FhirServer.Search;

/// <summary>
/// Reads a search's parameters (query string or <c>_search</c> form body) into a <see cref="SearchQuery"/>, typed
/// against the SearchParameters of the resource type. Unknown or unsupported parameters are errors in strict
/// handling (<c>Prefer: handling=strict</c>) and are otherwise ignored and reported. The token modifiers that need the
/// terminology (<c>:in</c>, <c>:not-in</c>, <c>:above</c>, <c>:below</c>) become plain token clauses here
/// (<see cref="TerminologyModifiers"/>).
/// </summary>
public sealed class SearchQueryParser(ISearchParameters parameters, DefinitionRegistry registry, ServerSettings settings,
    IValueSetMembership? membership = null, CodeHierarchy? hierarchy = null)
{
    private readonly TerminologyModifiers _terminology = new(membership, hierarchy, settings);

    private static readonly HashSet<string> Prefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];

    /// <summary>Parameters that shape the result rather than select resources.</summary>
    private static readonly HashSet<string> ResultParameters =
        ["_count", "_sort", "_total", "_include", "_revinclude", "_summary", "_elements", "_format", "_pretty", "_cursor", "_contained", "_containedType"];

    public SearchQuery Parse(string type, IReadOnlyList<KeyValuePair<string, string>> query, bool strict)
    {
        var clauses = new List<SearchClause>();
        var ignored = new List<string>();
        var self = new List<string>();
        var count = settings.DefaultPageSize;
        var sort = new List<SortKey>();
        var total = TotalMode.None;
        var includes = new List<IncludeSpec>();
        var revIncludes = new List<IncludeSpec>();
        string? cursor = null;
        var countOnly = false;

        if (query.Count > settings.MaxSearchParameters)
            throw FhirException.BadRequest(
                $"The search has {query.Count} parameters; this server takes at most {settings.MaxSearchParameters} (Server:MaxSearchParameters).",
                code: "too-costly");
        foreach (var (key, value) in query)
        {
            var baseName = key.Split(':', 2)[0];
            if (ResultParameters.Contains(baseName))
            {
                switch (baseName)
                {
                    case "_count":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count))
                            throw FhirException.BadRequest($"_count '{value}' is not a non-negative integer.", "_count");
                        count = Math.Min(count, settings.MaxPageSize);
                        break;
                    case "_sort":
                        foreach (var k in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            var descending = k.StartsWith('-');
                            var code = descending ? k[1..] : k;
                            var p = code is "_id" or "_lastUpdated" ? null : parameters.Find(type, code);
                            if (p is null && code is not ("_id" or "_lastUpdated"))
                            {
                                if (strict) throw FhirException.BadRequest($"_sort: '{code}' is not a search parameter of {type}.", "_sort");
                                ignored.Add($"_sort={k}");
                                continue;
                            }
                            if (p is not null && p.Type is not (SearchParamType.String or SearchParamType.Date or SearchParamType.Token or SearchParamType.Number or SearchParamType.Quantity or SearchParamType.Uri or SearchParamType.Reference))
                                throw FhirException.BadRequest($"_sort: '{code}' is a {p.Type} parameter, which cannot order results.", "_sort");
                            sort.Add(new SortKey(code, p, descending));
                        }
                        break;
                    case "_total":
                        total = value switch
                        {
                            "none" => TotalMode.None,
                            "estimate" => TotalMode.Estimate,
                            "accurate" => TotalMode.Accurate,
                            _ => throw FhirException.BadRequest($"_total '{value}' is not none, estimate or accurate.", "_total"),
                        };
                        break;
                    case "_summary" when value == "count":
                        countOnly = true;
                        total = TotalMode.Accurate;
                        break;
                    case "_include" or "_revinclude":
                        if (includes.Count + revIncludes.Count >= settings.MaxIncludes)
                            throw FhirException.BadRequest($"'{key}': a search takes at most {settings.MaxIncludes} _include and _revinclude parameters (Server:{nameof(ServerSettings.MaxIncludes)}).", key, "too-costly");
                        var spec = ParseInclude(key, value);
                        (baseName == "_include" ? includes : revIncludes).Add(spec);
                        break;
                    case "_cursor":
                        cursor = value;
                        continue; // never part of the self link
                }
                self.Add(Pair(key, value));
                continue;
            }
            try
            {
                clauses.AddRange(ByWord(ParseClause(type, key, value, depth: 0)));
                self.Add(Pair(key, value));
            }
            catch (UnknownParameterException e)
            {
                if (strict) throw FhirException.BadRequest($"Unknown or unsupported search parameter '{key}' on {type}: {e.Message}", key, "not-supported");
                ignored.Add($"{key}: {e.Message}");
            }
        }
        return new SearchQuery(type, clauses, count, sort, total, includes, revIncludes, cursor, countOnly, ignored, string.Join('&', self));
    }

    /// <summary>
    /// <c>_text</c> and <c>_content</c> (indexed by word when full text is on): a value of several words asks for each
    /// of them, so it becomes one clause per word, ANDed (<c>_content=hypert diab</c>). Several values are ORed, which
    /// clauses cannot express when a value has several words: that is refused rather than half done.
    /// </summary>
    private static IEnumerable<SearchClause> ByWord(SearchClause clause)
    {
        if (clause.Parameter is null || FullText.Of(clause.Code) is null || clause.Missing is not null)
            return [clause];
        var words = clause.Values.Select(v => FullText.SearchWords(v.Raw)).ToList();
        if (words.Any(w => w.Count == 0))
            throw FhirException.BadRequest($"{clause.Code}: a value without any word (letters or digits).", clause.Code);
        if (words.Count == 1) return words[0].Select(w => clause with { Values = [new SearchValue("eq", w)] });
        if (words.All(w => w.Count == 1)) return [clause with { Values = [.. words.Select(w => new SearchValue("eq", w[0]))] }];
        throw FhirException.BadRequest($"{clause.Code}: several values (ORed) of several words each are not supported; send one value, or one word per value.", clause.Code);
    }

    private static string Pair(string key, string value) => $"{Uri.EscapeDataString(key)}={Uri.EscapeDataString(value)}";

    private IncludeSpec ParseInclude(string key, string value)
    {
        var iterate = key.EndsWith(":iterate", StringComparison.Ordinal) || key.EndsWith(":recurse", StringComparison.Ordinal);
        var parts = value.Split(':');
        if (value == "*") return new IncludeSpec("*", null, null, iterate);
        if (parts.Length is < 2 or > 3 || !registry.IsResourceType(parts[0]))
            throw FhirException.BadRequest($"{key}={value}: expected Type:parameter[:targetType] or *.", key);
        if (parts[1] != "*")
        {
            var p = parameters.Find(parts[0], parts[1]);
            if (p is null || p.Type != SearchParamType.Reference)
                throw FhirException.BadRequest($"{key}={value}: '{parts[1]}' is not a reference parameter of {parts[0]}.", key);
        }
        if (parts.Length == 3 && !registry.IsResourceType(parts[2]))
            throw FhirException.BadRequest($"{key}={value}: '{parts[2]}' is not a resource type.", key);
        return new IncludeSpec(parts[0], parts[1] == "*" ? null : parts[1], parts.Length == 3 ? parts[2] : null, iterate);
    }

    private const string RoleType = "PractitionerRole";

    /// <summary>
    /// IHE MHD ITI-67 <c>author.given</c> / <c>author.family</c> and ITI-66 <c>source.given</c> / <c>source.family</c>
    /// search "the name parts of the author person" (XDS authorPerson). An author that is a PractitionerRole (PDSm's,
    /// often contained, its practitioner contained beside it) names its person through <c>practitioner</c>: so a chain
    /// without <c>:Type</c>, through a reference that may point at a PractitionerRole and a Practitioner, to a
    /// parameter PractitionerRole lacks and Practitioner has, is also looked for on the role's practitioner (one link
    /// more, counted in the depth; left out when it would pass the limit). Returns that reference parameter's code.
    /// </summary>
    private string? RolePerson(List<string> all, List<string> defining, string inner, int depth)
    {
        if (!all.Contains(RoleType) || !defining.Contains("Practitioner") || defining.Contains(RoleType)
            || depth + 2 > settings.MaxChainDepth) return null;
        var person = parameters.Find(RoleType, "practitioner");
        return person is { Type: SearchParamType.Reference } && person.Targets.Contains("Practitioner") ? person.Code : null;
    }

    /// <summary>One selecting parameter: <c>code[:modifier]</c>, a chain <c>ref[:Type].rest</c>, or <c>_has:Type:ref:rest</c>.</summary>
    private SearchClause ParseClause(string type, string key, string value, int depth)
    {
        if (depth > settings.MaxChainDepth)
            throw FhirException.BadRequest($"'{key}': chains and _has nest at most {settings.MaxChainDepth} levels (Server:{nameof(ServerSettings.MaxChainDepth)}).", key, "too-costly");
        CheckSyntax(key);
        if (key.StartsWith("_has:", StringComparison.Ordinal))
        {
            var parts = key.Split(':', 4);
            if (parts.Length < 4 || !registry.IsResourceType(parts[1]))
                throw FhirException.BadRequest($"'{key}': _has takes _has:Type:referenceParameter:parameter.", key);
            var reference = parameters.Find(parts[1], parts[2]);
            if (reference is null || reference.Type != SearchParamType.Reference)
                throw new UnknownParameterException($"'{parts[2]}' is not a reference parameter of {parts[1]}");
            var inner = ParseClause(parts[1], parts[3], value, depth + 1);
            return new SearchClause(null, "_has", null, [], Has: new HasSpec(parts[1], parts[2], inner));
        }
        var dot = key.IndexOf('.');
        if (dot > 0)
        {
            var head = key[..dot];
            var rest = key[(dot + 1)..];
            var (code, modifier) = SplitModifier(head);
            var p = parameters.Find(type, code) ?? throw new UnknownParameterException($"'{code}' is not a search parameter of {type}");
            if (p.Type != SearchParamType.Reference) throw FhirException.BadRequest($"'{key}': only reference parameters can be chained ('{code}' is {p.Type}).", key);
            if (modifier is not null && !registry.IsResourceType(modifier))
                throw FhirException.BadRequest($"'{key}': '{modifier}' is not a resource type; a chain names the type of its link, e.g. {code}:Patient.{rest}.", key);
            var targets = modifier is not null ? [modifier] : p.Targets.Where(registry.IsResourceType).Distinct().ToList();
            if (targets.Count != 1)
            {
                // Several possible targets: the chain applies to each that defines the chained parameter, and the
                // reference may point at any of them (R4 search.html#chaining); :Type narrows it to one.
                var inner = rest.Split('.', 2)[0].Split(':')[0];
                var all = targets;
                targets = targets.Where(t => parameters.Find(t, inner) is not null || inner.StartsWith('_')).ToList();
                if (RolePerson(all, targets, inner, depth) is { } person)
                    return new SearchClause(p, code, null, [], Chain: new ChainSpec(
                        [.. targets.Select(t => new ChainTarget(t, ParseClause(t, rest, value, depth + 1))),
                         new ChainTarget(RoleType, ParseClause(RoleType, person + "." + rest, value, depth + 1))]));
                if (targets.Count == 0)
                    throw new UnknownParameterException($"'{inner}' is not a search parameter of any type '{code}' points at ({string.Join(", ", p.Targets)})");
            }
            var chain = new ChainSpec([.. targets.Select(t => new ChainTarget(t, ParseClause(t, rest, value, depth + 1)))]);
            return new SearchClause(p, code, null, [], Chain: chain);
        }

        var (name, mod) = SplitModifier(key);
        if (name == "_list")
            return Simple(null, name, mod, value, SearchParamType.Token);
        if (name is "_id" or "_lastUpdated")
            return Simple(null, name, mod, value, name == "_id" ? SearchParamType.Token : SearchParamType.Date);
        var parameter = parameters.Find(type, name) ?? throw new UnknownParameterException($"'{name}' is not a search parameter of {type}");
        return Simple(parameter, name, mod, value, parameter.Type);
    }

    /// <summary>
    /// The shape of a parameter name (search.html#modifiers, #chaining), before its parameters are looked up: a
    /// malformed name is the client's error whatever the handling, where an unknown one is ignored in lenient handling.
    /// </summary>
    private static void CheckSyntax(string key)
    {
        if (key.StartsWith("_has:", StringComparison.Ordinal)) return; // its parts are checked where they are read
        var links = key.Split('.');
        var head = links[0];
        if (head.Length == 0 || head[0] == ':')
            throw FhirException.BadRequest($"'{key}': a search parameter needs a name.", key);
        if (links.Skip(1).Any(l => l.Length == 0))
            throw FhirException.BadRequest($"'{key}': a link of the chain is empty ('..', or a '.' at the end).", key);
        var colon = head.IndexOf(':');
        if (colon == head.Length - 1)
            throw FhirException.BadRequest($"'{key}': the modifier after ':' is empty.", key);
        if (colon >= 0 && head.IndexOf(':', colon + 1) >= 0)
            throw FhirException.BadRequest($"'{key}': a parameter takes one modifier.", key);
    }

    private static (string Code, string? Modifier) SplitModifier(string key)
    {
        var colon = key.IndexOf(':');
        return colon < 0 ? (key, null) : (key[..colon], key[(colon + 1)..]);
    }

    private SearchClause Simple(SearchParameterInfo? p, string code, string? modifier, string value, SearchParamType type)
    {
        if (modifier == "missing")
        {
            if (value is not ("true" or "false")) throw FhirException.BadRequest($"{code}:missing takes true or false, not '{value}'.", code);
            return new SearchClause(p, code, modifier, [], Missing: value == "true");
        }
        var allowed = type switch
        {
            SearchParamType.String => modifier is null or "exact" or "contains",
            SearchParamType.Token => modifier is null or "not" or "text" or "of-type",
            SearchParamType.Uri => modifier is null or "below" or "above",
            SearchParamType.Reference => modifier is null or "identifier" || char.IsUpper(modifier[0]),
            SearchParamType.Date or SearchParamType.Number or SearchParamType.Quantity or SearchParamType.Composite => modifier is null,
            _ => false,
        };
        if (type == SearchParamType.Token && modifier is "in" or "not-in" or "above" or "below")
            return _terminology.Clause(p, code, modifier, [.. SplitOr(value)]);
        if (type is SearchParamType.Special)
            throw new UnknownParameterException("special parameters are not supported yet");
        if (!allowed) throw FhirException.BadRequest($"'{code}:{modifier}': {type.ToString().ToLowerInvariant()} parameters take no :{modifier} modifier.", code);
        if (type == SearchParamType.Reference && modifier is not (null or "identifier") && !registry.IsResourceType(modifier))
            throw FhirException.BadRequest($"'{code}:{modifier}': '{modifier}' is not a resource type.", code);
        var values = new List<SearchValue>();
        foreach (var raw in SplitOr(value))
        {
            var prefix = "eq";
            var text = raw;
            if (type is SearchParamType.Number or SearchParamType.Date or SearchParamType.Quantity && raw.Length > 2 && Prefixes.Contains(raw[..2])
                && (char.IsDigit(raw[2]) || raw[2] is '-' or '+' or '.'))
            {
                prefix = raw[..2];
                text = raw[2..];
            }
            if (text.Length == 0) throw FhirException.BadRequest($"'{code}' has an empty value.", code);
            values.Add(new SearchValue(prefix, text));
        }
        if (values.Count == 0) throw FhirException.BadRequest($"'{code}' has no value.", code);
        if (values.Count > settings.MaxOrValues)
            throw FhirException.BadRequest(
                $"'{code}' has {values.Count} values; this server takes at most {settings.MaxOrValues} per parameter (Server:MaxOrValues).", code);
        return new SearchClause(p, code, modifier, values);
    }

    /// <summary>OR-values split on unescaped commas (search.html#escaping: <c>\,</c> is a literal comma).</summary>
    private static IEnumerable<string> SplitOr(string value)
    {
        var current = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] is ',' or '$' or '|' or '\\')
            {
                current.Append(value[i + 1] == '|' ? "\\|" : value[i + 1].ToString());
                i++;
            }
            else if (value[i] == ',')
            {
                if (current.Length > 0) yield return current.ToString();
                current.Clear();
            }
            else current.Append(value[i]);
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private sealed class UnknownParameterException(string message) : Exception(message);
}
