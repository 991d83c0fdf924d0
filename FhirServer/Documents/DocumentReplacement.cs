using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Documents;

/// <summary>
/// Document replacement (IHE MHD 4.2 §3.65.4.1.2.3; XDS RPLC): a DocumentReference created as <c>current</c> with
/// <c>relatesTo.code = replaces</c> makes its target <c>superseded</c>, in the same transaction, on every write path
/// (an ITI-65 transaction, a batch entry, an ITI-105 POST). The target must be a DocumentReference of this server that
/// exists, is <c>current</c> and is not another patient's; otherwise the write is refused (422), and with it the whole
/// transaction it is in. Only a create replaces: an update of the replacing document, or the superseded version this
/// rule writes, does not replace again.
/// </summary>
public sealed class DocumentReplacement(LocalBases bases) : IWriteRule
{
    public async Task WrittenAsync(ResourceService service, IStoreSession session, WriteResult written, CancellationToken ct)
    {
        if (written.Resource is not { Type: "DocumentReference" } document || !written.Created || document.Child("status")?.Value != "current") return;
        var local = bases.Current;
        var subject = DocumentMetadata.SubjectKey(document, local);
        var relations = document.ChildrenNamed("relatesTo").ToList();
        for (var i = 0; i < relations.Count; i++)
        {
            if (relations[i].Child("code")?.Value != "replaces") continue;
            var where = $"DocumentReference.relatesTo[{i}].target";
            var reference = relations[i].Child("target")?.Child("reference")?.Value;
            if (DocumentMetadata.Local(reference, local) is not ("DocumentReference", var id) || id == written.Version.Id)
                throw Refused("not-found", $"The replaced document '{reference}' is not another DocumentReference of this server.", where);
            var current = await session.ReadCurrentAsync("DocumentReference", id, ct);
            if (current is null || current.Deleted)
                throw Refused("not-found", $"The replaced document DocumentReference/{id} {(current is null ? "does not exist" : "was deleted")}.", where);
            var replaced = service.ParseStored(current);
            var status = replaced.Child("status");
            if (status is not { Value: "current" })
                throw Refused("business-rule", $"The replaced document DocumentReference/{id} is '{status?.Value}': only a current document can be replaced.", where);
            if (DocumentMetadata.SubjectKey(replaced, local) is { } theirs && theirs != subject)
                throw Refused("business-rule", $"The replaced document DocumentReference/{id} is of '{theirs}', not of this document's subject '{subject}'.", where);
            status.Value = "superseded";
            await service.UpdateAsync(session, "DocumentReference", id, replaced, ifMatch: null, ct);
        }
    }

    private static FhirException Refused(string code, string message, string where) =>
        new(StatusCodes.Status422UnprocessableEntity, code, message + " (IHE MHD ITI-65 replacement)", where);
}
