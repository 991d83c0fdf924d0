using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Documents;

/// <summary>
/// The consistency of an IHE MHD Provide Document Bundle (ITI-65, MHD 4.2 §3.65.4.1.3; ANS PDSm), checked over the
/// transaction as a whole, before its first write: the metadata a document is found by must agree.
/// <list type="bullet">
/// <item>Its DocumentReferences and Folders are of the SubmissionSet's patient (XDS: one patient per submission),
/// and a Folder it updates was that patient's already.</item>
/// <item>A DocumentReference's <c>content.attachment.url</c> that names a Binary names one of the Bundle or of the
/// store (a <c>urn:uuid:</c> of no entry, or a Binary that is not there, would leave a document that cannot be
/// retrieved, ITI-68), and a Binary of the Bundle whose <c>securityContext</c> is a Patient is that patient's.</item>
/// </list>
/// A breach is 422 naming the entry and the element. The subject check applies to transactions with a SubmissionSet
/// List; the content check to every DocumentReference a transaction writes.
/// </summary>
public sealed class ProvideDocumentBundleRule(LocalBases bases, ConformanceContext conformance) : ITransactionRule
{
    public IEnumerable<(string Type, string Id)> Reads(IReadOnlyList<TransactionEntry> entries)
    {
        var local = bases.Current;
        var inBundle = Binaries(entries);
        return entries.Where(e => e.Writes && e.Resource!.Type == "DocumentReference")
            .SelectMany(e => Attachments(e.Resource!))
            .Select(a => DocumentMetadata.Local(a.Url, local))
            .OfType<(string Type, string Id)>()
            .Where(t => t.Type == "Binary" && !inBundle.ContainsKey(t.Id))
            .Distinct();
    }

    public async Task CheckAsync(IStoreSession session, IReadOnlyList<TransactionEntry> entries, CancellationToken ct)
    {
        var local = bases.Current;
        var inBundle = Binaries(entries);
        var submissionSet = entries.FirstOrDefault(e => e.Writes && DocumentMetadata.IsList(e.Resource!, "submissionset"));
        var patient = submissionSet is null ? null : DocumentMetadata.SubjectKey(submissionSet.Resource!, local);
        foreach (var e in entries.Where(e => e.Writes))
        {
            var resource = e.Resource!;
            var isDocument = resource.Type == "DocumentReference";
            if (submissionSet is not null && e != submissionSet && (isDocument || DocumentMetadata.IsList(resource, "folder"))
                && DocumentMetadata.SubjectKey(resource, local) is var subject && subject != patient)
                throw Refused(e, $"its subject '{subject}' is not the SubmissionSet's ({submissionSet.Where}) '{patient}': the documents and folders of a submission are of its patient.",
                    $"{e.Where}.resource.subject");
            if (submissionSet is not null && e.Method == "PUT" && DocumentMetadata.IsList(resource, "folder")
                && await session.ReadCurrentAsync("List", e.Id!, ct) is { Deleted: false, Body: { } body }
                && conformance.Json.Parse(body).Resource is { } stored
                && DocumentMetadata.SubjectKey(stored, local) is { } holder && holder != patient)
                throw Refused(e, $"it updates a Folder of '{holder}', not of the SubmissionSet's patient '{patient}'.", $"{e.Where}.resource.subject");
            if (!isDocument) continue;
            foreach (var (url, index) in Attachments(resource))
            {
                var where = $"{e.Where}.resource.content[{index}].attachment.url";
                if (url.StartsWith("urn:uuid:", StringComparison.Ordinal))
                    throw Refused(e, $"the document's url '{url}' names no entry of the Bundle.", where, "not-found");
                if (DocumentMetadata.Local(url, local) is not ("Binary", var id)) continue;
                if (inBundle.TryGetValue(id, out var binary))
                {
                    var context = DocumentMetadata.Local(binary.Resource!.Child("securityContext")?.Child("reference")?.Value, local);
                    var owner = DocumentMetadata.SubjectKey(resource, local);
                    if (context is ("Patient", _) && $"{context.Value.Type}/{context.Value.Id}" != owner)
                        throw Refused(e, $"its content, Binary of {binary.Where}, is of {context.Value.Type}/{context.Value.Id} (securityContext), not of the document's subject '{owner}'.", where);
                    continue;
                }
                if (await session.ReadCurrentAsync("Binary", id, ct) is not { Deleted: false })
                    throw Refused(e, $"its content Binary/{id} is neither in the Bundle nor on this server.", where, "not-found");
            }
        }
    }

    /// <summary>The Binaries the transaction writes, by id.</summary>
    private static Dictionary<string, TransactionEntry> Binaries(IReadOnlyList<TransactionEntry> entries) =>
        entries.Where(e => e.Writes && e.Type == "Binary" && e.Id is not null).GroupBy(e => e.Id!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static IEnumerable<(string Url, int Index)> Attachments(ElementNode document) =>
        document.ChildrenNamed("content").Select((c, i) => (Url: c.Child("attachment")?.Child("url")?.Value, Index: i))
            .Where(a => a.Url is not null).Select(a => (a.Url!, a.Index));

    private static FhirException Refused(TransactionEntry e, string message, string where, string code = "business-rule") =>
        new(StatusCodes.Status422UnprocessableEntity, code, $"{e.Where} ({e.Method} {e.Resource!.Type}): {message} (IHE MHD ITI-65)", where);
}
