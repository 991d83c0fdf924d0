using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Bundle.link relations (R4 bundle.html §3.3.3, http.html §3.1.0.11 paging): <c>first</c>, <c>previous</c>,
/// <c>next</c> and <c>last</c> page through a search or history, so they have no place in a document, message,
/// collection, transaction or batch, where <c>self</c> may occur once; in a searchset or history each of the five
/// names one URL, so occurs once. The HL7 validator's rules and messages; a Bundle of another type is left alone.
/// </summary>
internal sealed class BundleLinkCheck : IElementCheck
{
    private static readonly string[] Paging = ["first", "previous", "next", "last"];

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Child("link") is null) return;
        var paged = node.Child("type")?.Value switch
        {
            "searchset" or "history" => true,
            "document" or "message" or "collection" or "subscription-notification" or
                "transaction" or "transaction-response" or "batch" or "batch-response" => false,
            _ => (bool?)null,
        };
        if (paged is null) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var link in node.ChildrenNamed("link"))
        {
            if (link.Child("relation") is not { Value: { } relation } relationNode) continue;
            var repeated = !seen.Add(relation);
            if (paged.Value)
            {
                if (repeated && (relation == "self" || Paging.Contains(relation)))
                    state.Report(IssueSeverity.Error, "invalid", $"The link relationship type '{relation}' can only occur once", link);
                continue;
            }
            if (Paging.Contains(relation))
                state.Report(IssueSeverity.Error, "invalid", $"The link relationship type '{relation}' used in search sets is prohibited in this context", relationNode);
            else if (repeated && relation == "self")
                state.Report(IssueSeverity.Error, "invalid", $"The link relationship type '{relation}' can only occur once", relationNode);
        }
    }
}
