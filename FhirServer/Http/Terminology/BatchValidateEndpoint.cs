using FhirServer.Conformance.Model;
using FhirServer.Terminology;

namespace FhirServer.Http.Terminology;

/// <summary>
/// ValueSet/$batch-validate-code (the terminology ecosystem's batch form of $validate-code, tx-ecosystem suite
/// "batch"): each <c>validation</c> parameter is a Parameters resource with the inputs of one ValueSet/$validate-code;
/// the other parameters of the request (<c>url</c>, <c>tx-resource</c>…) apply to every item unless the item gives
/// its own. The answer has one <c>validation</c> per item, in order: the $validate-code result, or the
/// OperationOutcome of an item that could not be validated — one bad item does not fail the batch.
/// </summary>
public static class BatchValidateEndpoint
{
    private const string Item = "validation";

    internal static byte[] BatchValidate(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var items = input.Nodes(Item);
        if (items.Count == 0) throw FhirException.BadRequest("$batch-validate-code needs one or more validation parameters (each a Parameters resource).", Item, "required");
        var limit = http.RequestServices.GetRequiredService<ServerSettings>().MaxBundleEntries;
        if (items.Count > limit)
            throw FhirException.Unprocessable($"$batch-validate-code has {items.Count} validations; the limit is {limit} (Server:MaxBundleEntries).", Item);
        var results = items.Select(item => Validate(http, service, input.ForItem(item, Item), instance)).ToList();
        return TerminologyOutput.Parameters(w =>
        {
            foreach (var result in results)
            {
                w.WriteStartObject();
                w.WriteString("name", Item);
                w.WritePropertyName("resource");
                w.WriteRawValue(result);
                w.WriteEndObject();
            }
        });
    }

    private static byte[] Validate(HttpContext http, ITerminologyService service, OperationInput item, ElementNode? instance)
    {
        try
        {
            return TerminologyEndpoints.ValueSetValidateCode(http, service, item, instance);
        }
        catch (FhirException e)
        {
            return OperationOutcomes.Json(e.Issues);
        }
        catch (TerminologyException e)
        {
            // As the operation itself reports it: the text in details, with its tx-issue-type code and message id.
            return TerminologyOutput.Outcome(e);
        }
    }
}
