using System.Text.Json.Nodes;

namespace FhirServer.Http.Terminology;

/// <summary>The terminology operations in the CapabilityStatement (rest.resource.operation, R4 capabilitystatement.html).</summary>
public static class TerminologyCapabilities
{
    public static void AddOperations(JsonObject resource, string type)
    {
        var operations = new JsonArray();
        foreach (var (_, name) in TerminologyEndpoints.Operations.Where(o => o.Type == type))
            operations.Add(new JsonObject { ["name"] = name, ["definition"] = $"http://hl7.org/fhir/OperationDefinition/{type}-{name}" });
        if (operations.Count > 0) resource["operation"] = operations;
    }
}
