using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>ValueSet/$expand (R4 §4.9.17): the members, text-filtered, active only if asked, one page of them.</summary>
public sealed class ExpandOperation(TerminologySources sources, TerminologyOptions options)
{
    public ExpansionResult Run(ExpandRequest request)
    {
        if (request.Offset < 0) throw TerminologyException.Invalid($"offset must not be negative (was {request.Offset})");
        if (request.Count < 0) throw TerminologyException.Invalid($"count must not be negative (was {request.Count})");
        var forRequest = sources.ForRequest(request.TxResources);
        var valueSet = request.ValueSet
            ?? (request.Url is { } url ? forRequest.RequireValueSet(url)
                : throw TerminologyException.Invalid("$expand needs a url or a valueSet"));
        forRequest.UseSupplements([.. request.UseSupplements, .. Model.Supplements.Referenced(valueSet)]);

        var expander = new ValueSetExpander(forRequest, options.MaxExpansionSize, request.Versions);
        IEnumerable<ValueSetExpander.Member> members = expander.Expand(valueSet);
        var versioned = ValueSetExpander.SystemsInSeveralVersions(valueSet);
        if (request.ActiveOnly) members = members.Where(m => m.Concept is not { Inactive: true });
        if (!string.IsNullOrWhiteSpace(request.Filter)) members = members.Where(m => TextFilter.Matches(m.Display, request.Filter));
        var all = members.ToList();
        var page = all.Skip(request.Offset).Take(request.Count ?? int.MaxValue).Select(m => new ExpansionEntry(m.SystemUrl, versioned.Contains(m.SystemUrl) ? m.Version : null, m.Code,
            m.Concept is { } c && request.DisplayLanguage is not null ? Displays.For(c, request.DisplayLanguage, m.System?.Language) ?? m.Display : m.Display,
            m.Concept?.Abstract == true, m.Concept?.Inactive == true,
            request.IncludeDesignations ? m.Designations : [])).ToList();

        var parameters = new List<(string, string)>();
        if (request.Filter is { } f) parameters.Add(("filter", f));
        if (request.ActiveOnly) parameters.Add(("activeOnly", "true"));
        if (request.IncludeDesignations) parameters.Add(("includeDesignations", "true"));
        if (request.DisplayLanguage is { } lang) parameters.Add(("displayLanguage", lang));
        if (request.Offset > 0) parameters.Add(("offset", request.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (request.Count is { } n) parameters.Add(("count", n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        parameters.AddRange(expander.UsedParameters);
        // R4 ValueSet-expand: the parameters that affect the contents are recorded, the code systems and value sets
        // used among them (url|version, or the url of a code system without versions).
        foreach (var system in all.Where(m => m.System is not null || m.Version is not null).Select(m => (m.SystemUrl, m.Version)).Distinct())
            parameters.Add(("used-codesystem", system.Version is null ? system.SystemUrl : system.SystemUrl + "|" + system.Version));
        parameters.AddRange(expander.UsedValueSets.Select(v => ("used-valueset", v)));

        return new ExpansionResult(valueSet, valueSet.Child("url")?.Value, valueSet.Child("version")?.Value, all.Count, request.Offset, page, parameters);
    }
}
