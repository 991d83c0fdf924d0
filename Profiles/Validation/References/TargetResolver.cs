using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.References;

/// <summary>Where a reference's target was found.</summary>
public enum TargetLocation
{
    NotFound,
    /// <summary>A contained resource of the referring resource's container, or the container itself (<c>#</c>).</summary>
    Contained,
    /// <summary>An entry of the Bundle the referring resource lies in.</summary>
    Bundled,
    /// <summary>Through the validation's resolver (the server's store).</summary>
    External,
}

/// <summary>The target a reference resolved to (null when it did not), and where.</summary>
public readonly record struct ResolvedTarget(ElementNode? Resource, TargetLocation Location, bool InBundle);

/// <summary>
/// Finds the resource a literal reference points to, as R4 references.html and bundle.html §3.3.1 say, and reports
/// what the HL7 validator reports on the way: a contained target that is not there, a <c>urn:</c> reference a Bundle
/// does not hold, a reference of a document's Composition that its Bundle does not hold, several entries matching.
/// </summary>
public static class TargetResolver
{
    private static readonly HashSet<string> DocumentContent =
    [
        "Composition.subject", "Composition.author", "Composition.encounter", "Composition.custodian", "Composition.attester.party",
        "Composition.event.detail", "Composition.section.author", "Composition.section.focus", "Composition.section.entry",
    ];

    /// <param name="external">Whether to ask the validation's resolver when the reference is neither contained nor in the Bundle.</param>
    public static ResolvedTarget Resolve(ElementNode reference, LiteralReference literal, bool external, ValidationState state)
    {
        if (literal.Form == ReferenceForm.Local) return Contained(reference, literal, state);
        var entry = BundleIndex.EntryOf(reference);
        if (entry is not null && entry.Parent is { } bundle)
        {
            var index = BundleIndex.Of(bundle, state);
            if (literal.Form == ReferenceForm.Relative && entry.Child("fullUrl") is null &&
                index.Type is not ("batch-response" or "transaction-response"))
            {
                state.Report(IssueSeverity.Error, "required", "Bundle entry missing fullUrl", entry);
                state.Report(IssueSeverity.Error, "required", "Relative Reference appears inside Bundle whose entry is missing a fullUrl", reference);
            }
            var match = index.Resolve(literal, entry);
            if (match.Matches.Count == 1) return new ResolvedTarget(match.Matches[0], TargetLocation.Bundled, true);
            if (match.Matches.Count > 1)
            {
                var versioned = literal.Version is null ? null : Versioned(match.Matches);
                if (versioned?.GetValueOrDefault(literal.Version!) is { } named) return new ResolvedTarget(named, TargetLocation.Bundled, true);
                // A version none of them has: the reference matches none, they have its type and id.
                if (versioned is not null) match = match with { Matches = [], NearMisses = match.Matches };
                else
                {
                    // Several entries and a reference that does not name one of their versions: it is ambiguous (the
                    // HL7 validator's reading), and in a document's content the document does not say what it holds.
                    state.Report(IssueSeverity.Error, "invalid", $"Multiple matches in bundle for reference {literal.Text}", reference);
                    if (IsDocumentContent(reference, entry, index))
                        state.Report(IssueSeverity.Error, "invalid",
                            $"Found {match.Matches.Count} matches for '{literal.Text}' in the bundle ({PathOf(reference)})", reference);
                    return new ResolvedTarget(match.Matches[0], TargetLocation.Bundled, true);
                }
            }
            ReportMiss(reference, literal, entry, index, match, state);
            // The HL7 validator reads [type]/[id] from a urn entry as the urn of that id: an entry there of another
            // type is a reference to the wrong resource (its own type, if the same, is not taken as resolved here).
            if (match.NearMisses.Count == 0 && index.UrnNamesake(literal, entry) is { } namesake && namesake.Type != literal.Type)
                state.Report(IssueSeverity.Error, "invalid", $"Matching reference for reference {literal.Text} has resourceType {namesake.Type}", reference);
            // The resource with the right type and id is what resolve() in invariants finds: the type checks look at it.
            if (match.NearMisses.Count == 1) return new ResolvedTarget(match.NearMisses[0], TargetLocation.Bundled, true);
            if (literal.Form == ReferenceForm.Urn) return new ResolvedTarget(null, TargetLocation.NotFound, true);
        }
        if (external && state.FhirPath.Resolver is { } resolver && literal.Form != ReferenceForm.Conditional)
        {
            ElementNode? found;
            // The resolver is the server's store: a failure there leaves the target unresolved, it does not end the validation.
            try { found = resolver(literal.Text); }
            catch (Exception e) when (e is not OperationCanceledException) { found = null; }
            if (found is not null) return new ResolvedTarget(found, TargetLocation.External, entry is not null);
        }
        return new ResolvedTarget(null, TargetLocation.NotFound, entry is not null);
    }

    /// <summary>
    /// Versions of one resource under one fullUrl (a history in a collection), by meta.versionId; null when they are
    /// not all told apart. A version-specific reference names one (R4 bundle.html §3.3.1).
    /// </summary>
    private static Dictionary<string, ElementNode>? Versioned(IReadOnlyList<ElementNode> matches)
    {
        var versions = new Dictionary<string, ElementNode>(StringComparer.Ordinal);
        foreach (var m in matches)
            if (m.Child("meta")?.Child("versionId")?.Value is not { } v || !versions.TryAdd(v, m)) return null;
        return versions;
    }

    private static ResolvedTarget Contained(ElementNode reference, LiteralReference literal, ValidationState state)
    {
        // The container: the outermost resource that is not itself contained (a contained resource may point to a sibling).
        var container = reference.ResourceNode;
        while (container is { Name: "contained", Parent: { } parent } && parent.ResourceNode is { } outer) container = outer;
        if (container is null) return default;
        var inBundle = BundleIndex.EntryOf(container) is not null;
        if (literal.Id is null) return new ResolvedTarget(container, TargetLocation.Contained, inBundle);
        foreach (var contained in container.ChildrenNamed("contained"))
            if (contained.Child("id")?.Value == literal.Id) return new ResolvedTarget(contained, TargetLocation.Contained, inBundle);
        state.Report(IssueSeverity.Error, "structure", $"Unable to resolve resource with reference '{literal.Text}'", reference);
        return new ResolvedTarget(null, TargetLocation.NotFound, inBundle);
    }

    private static void ReportMiss(ElementNode reference, LiteralReference literal, ElementNode entry, BundleIndex index,
        BundleMatch match, ValidationState state)
    {
        if (literal.Form == ReferenceForm.Urn)
        {
            // urn:uuid and urn:oid name nothing outside the Bundle (R4 bundle.html §3.3.1).
            state.Report(IssueSeverity.Warning, "required", $"URN reference is not locally contained within the bundle {literal.Text}", reference);
            return;
        }
        if (literal.Form is ReferenceForm.Conditional or ReferenceForm.OtherAbsolute || !IsDocumentContent(reference, entry, index)) return;
        var message = $"Can't find '{literal.Text}' in the bundle ({PathOf(reference)})";
        if (match.NearMisses.Count > 0)
        {
            var found = string.Join(",", match.NearMisses.Select(r => BundleIndex.FullUrlOf(r) ?? r.Type + "/" + r.Child("id")?.Value).Distinct());
            var source = entry.Child("fullUrl")?.Value;
            const string Rules = "because of the fullUrl based rules around matching relative references";
            message += match.NearMisses.Count == 1
                ? $". Note that there is a resource in the bundle with the same type and id, but it does not match {Rules}. " +
                  $"Found '{found}', but it doesn't match because of the source fullUrl '{source}'"
                : $". Note that there are {match.NearMisses.Count} resources in the bundle with the same type and id, but they do not match {Rules}. " +
                  $"Found '{found}', but none of them match because of the source fullUrl '{source}'";
        }
        state.Report(IssueSeverity.Error, "invalid", message, reference);
    }

    /// <summary>
    /// A reference of a document's Composition to what the document carries (R4 documents.html §3.3.1, the elements
    /// the HL7 validator checks): its subject, authors, attesters, custodian, encounter, events and sections. Other
    /// references (relatesTo a former document, extensions) and other entries' references may point outside.
    /// </summary>
    private static bool IsDocumentContent(ElementNode reference, ElementNode entry, BundleIndex index) =>
        index.Type == "document" && reference.Definition?.Path is { } path && DocumentContent.Contains(path) &&
        entry.Child("resource") is { Type: "Composition" } composition && ReferenceEquals(index.Bundle.Child("entry"), entry) &&
        ReferenceEquals(reference.ResourceNode, composition);

    // The element's path as definitions name it (Composition.subject), as the HL7 validator's messages do.
    private static string PathOf(ElementNode node) => node.Definition?.Path ?? node.Name;
}
