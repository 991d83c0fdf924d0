using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.References;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Bundle.entry.fullUrl (R4 bundle.html §3.3.1): the identity of the entry's resource, so an absolute URL; when it
/// is a RESTful URL (<c>[base]/[type]/[id]</c>) it ends with the resource's own type and id. Except in transactions
/// and batches (and their responses), an entry with a resource has one. The uniqueness of fullUrls is bdl-7, an
/// invariant; the first entry of a document or message is bdl-11 and bdl-12. What a document holds besides is
/// <see cref="DocumentContentCheck"/>'s, on the Bundle itself, beside the link relations (<see cref="BundleLinkCheck"/>)
/// and a searchset's entries (<see cref="SearchSetCheck"/>).
/// </summary>
public sealed class BundleAspect : IAspectBuilder
{
    private static readonly EntryCheck Entry = new();
    private static readonly DocumentContentCheck Document = new();
    private static readonly BundleLinkCheck Links = new();
    private static readonly SearchSetCheck SearchSet = new();

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        // Bundle.entry in Bundle and in every profile of it (a slice of entries included: its path is the same).
        if (element.Path == "Bundle.entry") checks.Add(Entry);
        else if (element.Path == "Bundle") checks.AddRange([Document, Links, SearchSet]);
    }

    private sealed class EntryCheck : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Child("resource") is not { } resource) return;
            var fullUrl = node.Child("fullUrl")?.Value;
            if (fullUrl is null)
            {
                // A search's OperationOutcome (search.mode = outcome) is about the search, not a resource with an identity.
                if (node.Parent?.Child("type")?.Value is not ("transaction" or "batch" or "transaction-response" or "batch-response") &&
                    node.Child("search")?.Child("mode")?.Value != "outcome")
                    state.Report(IssueSeverity.Error, "invalid",
                        "Except for transactions and batches, each entry in a Bundle must have a fullUrl which is the identity of the resource in the entry", node);
                return;
            }
            var parsed = LiteralReference.Parse(fullUrl);
            if (parsed.Form is ReferenceForm.Relative or ReferenceForm.Invalid or ReferenceForm.Conditional or ReferenceForm.Local)
            {
                state.Report(IssueSeverity.Error, "invalid", $"The fullUrl must be an absolute URL (not '{fullUrl}')", node);
                return;
            }
            if (parsed.Form != ReferenceForm.RestfulUrl || !state.Schemas.Registry.IsResourceType(parsed.Type!)) return;
            var id = resource.Child("id")?.Value;
            if (id is null)
            {
                // A resource created by a transaction's POST gets its id from the server.
                if (node.Child("request")?.Child("method")?.Value != "POST")
                    state.Report(IssueSeverity.Error, "invalid", $"The fullUrl '{fullUrl}' looks like a RESTful server URL, but the resource has no id", node);
            }
            else if (parsed.Type != resource.Type || parsed.Id != id)
                state.Report(IssueSeverity.Error, "invalid",
                    $"The fullUrl '{fullUrl}' looks like a RESTful server URL, so it must end with the correct type and id (/{resource.Type}/{id})", node);
        }
    }
}
