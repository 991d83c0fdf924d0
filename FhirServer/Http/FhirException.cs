using System.Text.Encodings.Web;
using System.Text.Json;
using FhirServer.Conformance.Model;

namespace FhirServer.Http;

/// <summary>
/// A client error with its HTTP status and the issues to report as an OperationOutcome. Thrown by the interactions
/// and turned into a response by one middleware, so no handler writes error bodies itself.
/// </summary>
public sealed class FhirException : Exception
{
    public FhirException(int status, string code, string message, string? expression = null)
        : this(status, [new OutcomeIssue(IssueSeverity.Error, code, message, expression)])
    {
    }

    public FhirException(int status, IReadOnlyList<OutcomeIssue> issues)
        : base(issues.FirstOrDefault(i => i.IsError)?.Message ?? issues.FirstOrDefault()?.Message ?? "error")
    {
        Status = status;
        Issues = issues;
    }

    public int Status { get; }
    public IReadOnlyList<OutcomeIssue> Issues { get; }

    public static FhirException BadRequest(string message, string? expression = null, string code = "invalid") =>
        new(StatusCodes.Status400BadRequest, code, message, expression);

    public static FhirException NotFound(string message) => new(StatusCodes.Status404NotFound, "not-found", message);

    public static FhirException Gone(string message) => new(StatusCodes.Status410Gone, "deleted", message);

    public static FhirException PreconditionFailed(string message) => new(StatusCodes.Status412PreconditionFailed, "conflict", message);

    public static FhirException Conflict(string message) => new(StatusCodes.Status409Conflict, "conflict", message);

    public static FhirException Unprocessable(string message, string? expression = null) =>
        new(StatusCodes.Status422UnprocessableEntity, "processing", message, expression);

    public static FhirException NotSupported(string message) => new(StatusCodes.Status400BadRequest, "not-supported", message);
}

/// <summary>OperationOutcome resources (R4 operationoutcome.html) as FHIR JSON.</summary>
public static class OperationOutcomes
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Json(IReadOnlyList<OutcomeIssue> issues)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, issues);
        return buffer.ToArray();
    }

    public static byte[] Information(string message) =>
        Json([new OutcomeIssue(IssueSeverity.Information, "informational", message)]);

    public static void Write(Utf8JsonWriter writer, IReadOnlyList<OutcomeIssue> issues)
    {
        writer.WriteStartObject();
        writer.WriteString("resourceType", "OperationOutcome");
        writer.WriteStartArray("issue");
        foreach (var issue in issues)
        {
            writer.WriteStartObject();
            writer.WriteString("severity", issue.Severity.ToString().ToLowerInvariant());
            writer.WriteString("code", issue.Code);
            // details.text is the message (where the HL7 validator and terminology servers put it); diagnostics adds
            // the line and column of the source text, and location the same as the older XPath-style readers expect.
            writer.WriteStartObject("details");
            writer.WriteString("text", issue.Message);
            writer.WriteEndObject();
            var text = issue.Line > 0 ? $"{issue.Message} (line {issue.Line}, column {issue.Column})" : issue.Message;
            writer.WriteString("diagnostics", text);
            if (issue.Expression is { Length: > 0 } expression)
            {
                writer.WriteStartArray("location");
                writer.WriteStringValue(issue.Line > 0 ? $"{expression}, line {issue.Line}, column {issue.Column}" : expression);
                writer.WriteEndArray();
                writer.WriteStartArray("expression");
                writer.WriteStringValue(expression);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
