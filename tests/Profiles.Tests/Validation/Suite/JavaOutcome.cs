using System.Text.Json.Nodes;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>An error the HL7 Java validator gave (severity error or fatal), as recorded in the suite.</summary>
/// <param name="FromTerminologyServer">
/// Carries the <c>operationoutcome-issue-server</c> extension: the Java validator asked a terminology server
/// (tx.fhir.org) and reports its answer — SNOMED CT, LOINC, CVX displays and codes that no validator can judge offline.
/// </param>
public sealed record JavaError(string Message, string? Expression, bool FromTerminologyServer);

/// <summary>
/// The HL7 Java validator's outcome for one validation of a case (<c>java</c> in the manifest): an OperationOutcome
/// file under outcomes/, an inline outcome, or only an error count. Null when the case records none.
/// </summary>
public sealed record JavaOutcome(IReadOnlyList<JavaError>? Errors, int RecordedCount)
{
    private const string ServerExtension = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-server";

    /// <summary>
    /// The errors a validator working offline is expected to give: those that did not come from the terminology
    /// server. A case recorded as a bare count has nothing to take away.
    /// </summary>
    public int OfflineCount => Errors?.Count(e => !e.FromTerminologyServer) ?? RecordedCount;

    /// <summary>Every error the Java validator gave, terminology server's included.</summary>
    public int TotalCount => Errors?.Count ?? RecordedCount;

    public static JavaOutcome? Read(JsonNode? java, string suiteFolder)
    {
        switch (java)
        {
            case JsonValue v when v.TryGetValue<string>(out var file):
                var path = Path.Combine(suiteFolder, "outcomes", file);
                return System.IO.File.Exists(path) ? FromOperationOutcome(JsonNode.Parse(System.IO.File.ReadAllText(path))!) : null;
            case JsonObject o when o["outcome"] is JsonObject outcome:
                return FromOperationOutcome(outcome);
            case JsonObject o when o["errorCount"] is JsonValue count:
                return new JavaOutcome(null, (int)count + ((int?)o["fatalCount"] ?? 0));
            default:
                return null;
        }
    }

    private static JavaOutcome FromOperationOutcome(JsonNode outcome)
    {
        var errors = new List<JavaError>();
        foreach (var issue in (outcome["issue"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)issue["severity"] is not ("error" or "fatal")) continue;
            var fromServer = (issue["extension"] as JsonArray ?? []).Any(e => (string?)e?["url"] == ServerExtension);
            var expression = (string?)(issue["expression"] as JsonArray)?.FirstOrDefault()
                ?? (string?)(issue["location"] as JsonArray)?.FirstOrDefault();
            errors.Add(new JavaError((string?)issue["details"]?["text"] ?? (string?)issue["diagnostics"] ?? "", expression, fromServer));
        }
        return new JavaOutcome(errors, errors.Count);
    }
}
