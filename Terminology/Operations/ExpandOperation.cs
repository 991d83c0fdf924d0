using System.Globalization;
using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>
/// ValueSet/$expand (R4 §4.9.17): the members, text-filtered, active only if asked, nested under their parents
/// unless <c>excludeNested</c> (or a text filter or paging, which work on a flat list), one page of them, in the
/// display language asked for, with the parameters that shaped the expansion echoed (expansion.parameter).
/// </summary>
public sealed class ExpandOperation(TerminologySources sources, TerminologyOptions options)
{
    private const string ExpansionParameter = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter";

    public ExpansionResult Run(ExpandRequest request)
    {
        if (request.Offset < 0) throw TerminologyException.Invalid($"offset must not be negative (was {request.Offset})");
        if (request.Count < 0) throw TerminologyException.Invalid($"count must not be negative (was {request.Count})");
        var forRequest = sources.ForRequest(request.TxResources);
        var valueSet = request.ValueSet
            ?? (request.Url is { } url ? forRequest.RequireValueSet(url)
                : throw TerminologyException.Invalid("$expand needs a url or a valueSet"));
        forRequest.UseSupplements([.. request.UseSupplements, .. Model.Supplements.Referenced(valueSet)]);

        // A page may come from a larger expansion than a whole one may (the response stays small); a page larger than
        // a whole expansion may be is refused.
        if (request.Count > options.MaxExpansionSize)
            throw TerminologyException.TooCostly($"count {request.Count} is more than the {options.MaxExpansionSize} codes one expansion may return (Terminology:MaxExpansionSize)");
        var expander = request.Count is null
            ? new ValueSetExpander(forRequest, options.MaxExpansionSize, request.Versions)
            : new ValueSetExpander(forRequest, options.MaxPagedExpansionSize, request.Versions, "Terminology:MaxPagedExpansionSize");
        IEnumerable<ValueSetExpander.Member> members = expander.Expand(valueSet);
        if (request.ActiveOnly == true) members = members.Where(m => m.Concept is not { Inactive: true });
        if (request.ExcludeSystems.Count > 0) members = members.Where(m => !request.ExcludeSystems.Any(s => Names(s, m)));
        if (!string.IsNullOrWhiteSpace(request.Filter)) members = members.Where(m => TextFilter.Matches(m.Display, request.Filter));
        var all = VersionsInOrder(members, valueSet);

        // The display language: the request's parameter, else the value set's own expansion parameter, else the
        // HTTP Accept-Language header.
        var displayLanguage = request.DisplayLanguage ?? ValueSetParameter(valueSet, "displayLanguage") ?? request.AcceptLanguage;
        var preference = LanguagePreference.Parse(displayLanguage);
        var nested = request.ExcludeNested != true && string.IsNullOrWhiteSpace(request.Filter) && request.Offset is null && request.Count is null;
        var selected = nested ? all : all.Skip(request.Offset ?? 0).Take(request.Count ?? int.MaxValue);
        var versioned = VersionedSystems(expander.UsedCodeSystems, all);
        versioned.UnionWith(ValueSetExpander.SystemsInSeveralVersions(valueSet));
        var entries = selected.Select(m => (m, Entry(m, versioned.Contains(m.SystemUrl) ? m.Version : null, request, preference))).ToList();
        var contains = nested ? ExpansionHierarchy.Nest(entries) : [.. entries.Select(e => e.Item2)];

        var parameters = Echo(request, preference);
        parameters.AddRange(expander.UsedParameters);
        // R4 ValueSet-expand: the code systems and value sets used are recorded (url|version, or the url of a code
        // system without versions); a system the server does not know is named in the version the value set gives.
        var usedSystems = expander.UsedCodeSystems.Select(cs => Canonical(cs.Url, cs.Version))
            .Concat(all.Where(m => m.System is null && m.Version is not null).Select(m => Canonical(m.SystemUrl, m.Version)));
        foreach (var system in usedSystems.Distinct()) parameters.Add(("used-codesystem", system));
        // The supplements that added to them (useSupplement, or the value set's valueset-supplement extension).
        foreach (var supplement in expander.UsedCodeSystems.SelectMany(forRequest.SupplementsOf).Distinct())
            parameters.Add(("used-supplement", supplement));
        foreach (var vs in expander.UsedValueSets) parameters.Add(("used-valueset", Canonical(vs.Child("url")?.Value ?? "", vs.Child("version")?.Value)));
        parameters.AddRange(StatusWarnings(valueSet, expander));
        // A code system that is a fragment (content = fragment, R4 §4.8.5) may lack codes: the expansion is unclosed.
        var fragments = expander.UsedCodeSystems.Where(cs => cs.Content == "fragment").ToList();
        foreach (var cs in fragments) parameters.Add(("used-fragment", Canonical(cs.Url, cs.Version)));
        // Parameters in name order, as the reference servers write them.
        parameters = [.. parameters.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)];

        return new ExpansionResult(valueSet, valueSet.Child("url")?.Value, valueSet.Child("version")?.Value, all.Count, request.Offset ?? 0, contains, parameters)
        {
            Properties = ExpansionProperties.Used(request.Properties, entries.Select(e => e.Item2), expander.UsedCodeSystems),
            UnclosedReasons = [.. fragments.Select(cs => $"This extension is based on a fragment of the code system {cs.Url}")],
        };
    }

    private static ExpansionEntry Entry(ValueSetExpander.Member m, string? version, ExpandRequest request, LanguagePreference? preference)
    {
        var (display, designations) = ExpansionDisplay.For(m.Display, m.System?.Language, m.Designations, preference, request.Designations);
        return new ExpansionEntry(m.SystemUrl, version, m.Code, display, m.Concept?.Abstract == true, m.Concept?.Inactive == true,
            request.IncludeDesignations == true || request.Designations.Count > 0 ? designations : [])
        {
            Properties = ExpansionProperties.Of(m.Concept, m.Listing, request.Properties),
            Extensions = [.. m.Concept?.Extensions ?? [], .. m.Listing?.Extensions ?? []],
        };
    }

    // The parameters the client gave that shape the expansion, with the values used.
    private static List<(string Name, string Value)> Echo(ExpandRequest request, LanguagePreference? preference)
    {
        var parameters = new List<(string Name, string Value)>();
        if (request.ActiveOnly is { } activeOnly) parameters.Add(("activeOnly", Bool(activeOnly)));
        if (request.Count is { } count) parameters.Add(("count", count.ToString(CultureInfo.InvariantCulture)));
        if (preference is not null) parameters.Add(("displayLanguage", preference.Text));
        foreach (var designation in request.Designations) parameters.Add(("designation", designation));
        if (request.ExcludeNested is { } excludeNested) parameters.Add(("excludeNested", Bool(excludeNested)));
        if (request.Filter is { } filter) parameters.Add(("filter", filter));
        foreach (var system in request.ExcludeSystems) parameters.Add(("exclude-system", system));
        if (request.IncludeDesignations is { } includeDesignations) parameters.Add(("includeDesignations", Bool(includeDesignations)));
        if (request.Offset is { } offset) parameters.Add(("offset", offset.ToString(CultureInfo.InvariantCulture)));
        return parameters;
    }

    // contains.version is written where the version tells codes apart: the expansion (includes and excludes) draws
    // on several versions of one system. Otherwise the used-codesystem parameter names the one version used.
    private static HashSet<string> VersionedSystems(IEnumerable<CodeSystemIndex> used, IEnumerable<ValueSetExpander.Member> members) =>
        [.. used.Select(cs => (cs.Url, cs.Version)).Concat(members.Select(m => (Url: m.SystemUrl, m.Version))).Distinct()
            .GroupBy(s => s.Url).Where(g => g.Count() > 1).Select(g => g.Key)];

    // A code the expansion holds in several versions of its system is listed once per version, where the code first
    // comes: first the versions the value set's includes name, the most recent first, then the one an include without
    // a version resolved to (the order of the reference servers).
    private static List<ValueSetExpander.Member> VersionsInOrder(IEnumerable<ValueSetExpander.Member> members, ElementNode valueSet)
    {
        var named = valueSet.Child("compose")?.ChildrenNamed("include")
            .Select(i => (i.Child("system")?.Value, i.Child("version")?.Value)).ToHashSet() ?? [];
        return [.. members.GroupBy(m => (m.SystemUrl, m.Code))
            .SelectMany(g => g.Count() == 1 ? g.AsEnumerable() : g.OrderBy(m => !named.Contains((m.SystemUrl, m.Version)))
                .ThenByDescending(m => m.Version ?? "", Conformance.Packages.SemanticVersionComparer.Instance))];
    }

    // An exclude-system value (url, or url|version where the version may be a pattern such as 1.x) names the member's system.
    private static bool Names(string canonical, ValueSetExpander.Member m)
    {
        var bar = canonical.IndexOf('|');
        return bar < 0 ? m.SystemUrl == canonical : m.SystemUrl == canonical[..bar] && VersionPattern.Matches(m.Version, canonical[(bar + 1)..]);
    }

    private static string Canonical(string url, string? version) => version is null ? url : url + "|" + version;

    // The expansion rests on resources a client should know the status of: a code system or value set that is
    // deprecated or withdrawn (structuredefinition-standards-status), or a code system that is experimental or a
    // draft, gives a warning-… parameter naming it (the expansion parameters of the reference servers). The status of
    // the value set itself is the client's to read.
    private static IEnumerable<(string Name, string Value)> StatusWarnings(ElementNode valueSet, ValueSetExpander expander)
    {
        var resources = expander.UsedCodeSystems.Select(cs => (Canonical(cs.Url, cs.Version), cs.StandardsStatus, cs.Experimental, cs.Status))
            .Concat(expander.UsedValueSets.Prepend(valueSet).Distinct().Select(vs => (Canonical(vs.Child("url")?.Value ?? "", vs.Child("version")?.Value),
                CodeSystemIndex.StandardsStatusOf(vs), false, (string?)null)));
        foreach (var (canonical, standardsStatus, experimental, status) in resources)
        {
            if (standardsStatus is "deprecated" or "withdrawn") yield return ("warning-" + standardsStatus, canonical);
            if (experimental) yield return ("warning-experimental", canonical);
            if (status == "draft") yield return ("warning-draft", canonical);
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";

    // The valueset-expansion-parameter extension on compose: parameters the value set asks to be expanded with.
    private static string? ValueSetParameter(ElementNode valueSet, string name) =>
        valueSet.Child("compose")?.ChildrenNamed("extension")
            .Where(e => e.Child("url")?.Value == ExpansionParameter)
            .FirstOrDefault(e => e.ChildrenNamed("extension").Any(p => p.Child("url")?.Value == "name" && p.Child("value")?.Value == name))
            ?.ChildrenNamed("extension").FirstOrDefault(p => p.Child("url")?.Value == "value")?.Child("value")?.Value;
}
