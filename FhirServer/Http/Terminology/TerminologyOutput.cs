using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Model;
using FhirServer.Terminology;
using FhirServer.Terminology.Model;

namespace FhirServer.Http.Terminology;

/// <summary>The terminology results as FHIR JSON: Parameters for $lookup, $validate-code, $subsumes; a ValueSet for $expand.</summary>
public static class TerminologyOutput
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Lookup(LookupResult r) => Parameters(w =>
    {
        Parameter(w, "name", "valueString", r.Name);
        if (r.System is { } system) Parameter(w, "system", "valueUri", system);
        Parameter(w, "code", "valueCode", r.Code);
        if (r.Version is { } version) Parameter(w, "version", "valueString", version);
        if (r.Display is { } display) Parameter(w, "display", "valueString", display);
        if (r.Definition is { } definition) Parameter(w, "definition", "valueString", definition);
        Parameter(w, "abstract", r.Abstract);
        foreach (var d in r.Designations)
            Parts(w, "designation", () =>
            {
                if (d.Language is { } language) Parameter(w, "language", "valueCode", language);
                if (d.Use is { } use) CodingParameter(w, "use", use);
                Parameter(w, "value", "valueString", d.Value);
            });
        foreach (var p in r.Properties)
            Parts(w, "property", () =>
            {
                Parameter(w, "code", "valueCode", p.Code);
                if (p.Coding is { } coding) CodingParameter(w, "value", coding);
                else if (p.Value is { } value) PrimitiveParameter(w, "value", p.ValueType, value);
            });
    });

    /// <summary>$validate-code output; a CodeableConcept that was validated is echoed back (R4 ValueSet-validate-code).</summary>
    public static byte[] ValidateCode(ValidateCodeResult r, IReadOnlyList<CodingValue>? codeableConcept = null, string? text = null) => Parameters(w =>
    {
        Parameter(w, "result", r.Result);
        if (codeableConcept is not null)
        {
            w.WriteStartObject();
            w.WriteString("name", "codeableConcept");
            w.WriteStartObject("valueCodeableConcept");
            w.WriteStartArray("coding");
            foreach (var c in codeableConcept) Coding(w, c);
            w.WriteEndArray();
            if (text is not null) w.WriteString("text", text);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        if (r.Coding?.Code is { } code) Parameter(w, "code", "valueCode", code);
        if (r.Coding?.System is { } system) Parameter(w, "system", "valueUri", system);
        if (r.Coding?.Version is { } version) Parameter(w, "version", "valueString", version);
        if (r.Display is { } display) Parameter(w, "display", "valueString", display);
        if (r.Inactive) Parameter(w, "inactive", true);
        if (r.Status is { } status) Parameter(w, "status", "valueCode", status);
        if (r.NormalizedCode is { } normalized) Parameter(w, "normalized-code", "valueCode", normalized);
        foreach (var unknown in r.UnknownSystems) Parameter(w, "x-unknown-system", "valueCanonical", unknown);
        foreach (var unknown in r.CausedByUnknownSystems) Parameter(w, "x-caused-by-unknown-system", "valueCanonical", unknown);
        if (r.Message is { } message) Parameter(w, "message", "valueString", message);
        if (r.Issues.Count > 0)
        {
            w.WriteStartObject();
            w.WriteString("name", "issues");
            w.WritePropertyName("resource");
            Issues(w, r.Issues);
            w.WriteEndObject();
        }
    });

    /// <summary>
    /// A request the engine could not answer, as terminology servers report it: the text in details beside its
    /// tx-issue-type code, the message id, and where in the value set the problem lies.
    /// </summary>
    public static byte[] Outcome(TerminologyException e) => Write(w => Issues(w,
        [new ValidationIssue("error", e.IssueCode, e.Message, e.Expression, e.Detail) { MessageId = e.MessageId }]));

    public static byte[] Subsumes(SubsumesResult r) => Parameters(w => Parameter(w, "outcome", "valueCode", r.Outcome));

    // What describes the definition rather than the value set (a modifier extension is never dropped: it changes meaning).
    private static readonly string[] DefinitionElements = ["compose", "description", "purpose", "extension"];

    /// <summary>
    /// The value set as it was given or stored, with the expansion in place of any it had (R4 §4.9.17); its definition
    /// (the compose, and the description, purpose and extensions that go with it) only when includeDefinition asks for
    /// it (R4 ValueSet-expand), as the expansion stands for the definition.
    /// </summary>
    public static byte[] Expansion(ExpansionResult r, DateTimeOffset now, bool includeDefinition = false)
    {
        var valueSet = JsonNode.Parse(FhirJsonWriter.WriteToBytes(r.ValueSet))!.AsObject();
        valueSet.Remove("expansion");
        if (!includeDefinition)
            foreach (var element in DefinitionElements) valueSet.Remove(element);
        valueSet["expansion"] = JsonNode.Parse(ExpansionElement(r, now));
        return JsonSerializer.SerializeToUtf8Bytes(valueSet, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static byte[] ExpansionElement(ExpansionResult r, DateTimeOffset now) => Write(w =>
    {
        w.WriteStartObject();
        if (r.Properties.Count > 0 || r.UnclosedReasons.Count > 0)
        {
            w.WriteStartArray("extension");
            if (r.UnclosedReasons.Count > 0)
            {
                // The expansion may not hold every code (R4 extension valueset-unclosed), and why.
                Extension(w, "http://hl7.org/fhir/StructureDefinition/valueset-unclosed", () => w.WriteBoolean("valueBoolean", true));
                foreach (var reason in r.UnclosedReasons)
                    Extension(w, "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason", () => w.WriteString("valueString", reason));
            }
            // R5 ValueSet.expansion.property in R4: the cross-version extension (R5 → R4 conversions).
            foreach (var (code, uri) in r.Properties)
                CrossVersion(w, "ValueSet.expansion.property", () =>
                {
                    SubExtension(w, "code", "code", code);
                    if (uri is not null) SubExtension(w, "uri", "uri", uri);
                });
            w.WriteEndArray();
        }
        w.WriteString("identifier", "urn:uuid:" + Guid.NewGuid());
        w.WriteString("timestamp", now.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNumber("total", r.Total);
        if (r.Offset > 0) w.WriteNumber("offset", r.Offset);
        if (r.Parameters.Count > 0)
        {
            w.WriteStartArray("parameter");
            foreach (var (name, value) in r.Parameters)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                if (name is "activeOnly" or "includeDesignations" or "excludeNested" or "includeDefinition") w.WriteBoolean("valueBoolean", value == "true");
                else if (name is "offset" or "count") w.WriteNumber("valueInteger", int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
                else if (name is "filter" or "designation") w.WriteString("valueString", value);
                else if (name == "displayLanguage") w.WriteString("valueCode", value);
                else w.WriteString("valueUri", value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (r.Contains.Count > 0) Contains(w, r.Contains);
        w.WriteEndObject();
    });

    private static void Contains(Utf8JsonWriter w, IReadOnlyList<ExpansionEntry> entries)
    {
        w.WriteStartArray("contains");
        foreach (var e in entries)
        {
            w.WriteStartObject();
            if (e.Properties.Count > 0 || e.Extensions.Count > 0)
            {
                w.WriteStartArray("extension");
                Extensions(w, e.Extensions);
                foreach (var p in e.Properties)
                    CrossVersion(w, "ValueSet.expansion.contains.property", () =>
                    {
                        SubExtension(w, "code", "code", p.Code);
                        if (p.Coding is { } coding)
                        {
                            w.WriteStartObject();
                            w.WriteString("url", "value");
                            w.WritePropertyName("valueCoding");
                            Coding(w, coding);
                            w.WriteEndObject();
                        }
                        else if (p.Value is { } value) SubExtension(w, "value", p.ValueType, value);
                    });
                w.WriteEndArray();
            }
            w.WriteString("system", e.System);
            if (e.Abstract) w.WriteBoolean("abstract", true);
            if (e.Inactive) w.WriteBoolean("inactive", true);
            if (e.Version is { } version) w.WriteString("version", version);
            w.WriteString("code", e.Code);
            if (e.Display is { } display) w.WriteString("display", display);
            if (e.Designations.Count > 0)
            {
                w.WriteStartArray("designation");
                foreach (var d in e.Designations)
                {
                    w.WriteStartObject();
                    if (d.Extensions.Count > 0)
                    {
                        w.WriteStartArray("extension");
                        Extensions(w, d.Extensions);
                        w.WriteEndArray();
                    }
                    if (d.Language is { } language) w.WriteString("language", language);
                    if (d.Use is { } use) { w.WritePropertyName("use"); Coding(w, use); }
                    w.WriteString("value", d.Value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (e.Contains.Count > 0) Contains(w, e.Contains);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // The issues of $validate-code as terminology servers write them: the text in details, with the tx-issue-type
    // code beside it, the location as expression (and as the older location), and the message id as an extension.
    private static void Issues(Utf8JsonWriter w, IReadOnlyList<ValidationIssue> issues)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "OperationOutcome");
        w.WriteStartArray("issue");
        foreach (var issue in issues)
        {
            w.WriteStartObject();
            if (issue.MessageId is { } id)
            {
                w.WriteStartArray("extension");
                w.WriteStartObject();
                w.WriteString("url", "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id");
                w.WriteString("valueString", id);
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WriteString("severity", issue.Severity);
            w.WriteString("code", issue.Code);
            w.WriteStartObject("details");
            if (issue.Detail is { } detail)
            {
                w.WriteStartArray("coding");
                Coding(w, new CodingValue("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type", detail));
                w.WriteEndArray();
            }
            w.WriteString("text", issue.Text);
            w.WriteEndObject();
            if (issue.Expression is { } expression)
            {
                w.WriteStartArray("location");
                w.WriteStringValue(expression);
                w.WriteEndArray();
                w.WriteStartArray("expression");
                w.WriteStringValue(expression);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static byte[] Parameters(Action<Utf8JsonWriter> parameters) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Parameters");
        w.WriteStartArray("parameter");
        parameters(w);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options)) body(writer);
        return buffer.ToArray();
    }

    internal static void Parts(Utf8JsonWriter w, string name, Action parts)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteStartArray("part");
        parts();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    internal static void Parameter(Utf8JsonWriter w, string name, string valueName, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString(valueName, value);
        w.WriteEndObject();
    }

    internal static void Parameter(Utf8JsonWriter w, string name, bool value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteBoolean("valueBoolean", value);
        w.WriteEndObject();
    }

    private static void PrimitiveParameter(Utf8JsonWriter w, string name, string type, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        PrimitiveValue(w, type, value);
        w.WriteEndObject();
    }

    // A property's value in its own type: numbers and booleans as JSON numbers and booleans (R4 JSON §2.6.2).
    private static void PrimitiveValue(Utf8JsonWriter w, string type, string value)
    {
        var valueName = "value" + char.ToUpperInvariant(type[0]) + type[1..];
        if (type == "boolean") w.WriteBoolean(valueName, value == "true");
        else if (type is "integer" or "decimal")
        {
            // Decimals keep their digits as written (1.10 stays 1.10); the parser has checked the lexical form.
            w.WritePropertyName(valueName);
            w.WriteRawValue(value);
        }
        else w.WriteString(valueName, value);
    }

    // An R5 element an R4 resource carries as an extension: http://hl7.org/fhir/5.0/StructureDefinition/extension-{path}
    // (FHIR cross-version extensions), its parts as sub-extensions.
    private static void CrossVersion(Utf8JsonWriter w, string path, Action parts)
    {
        w.WriteStartObject();
        w.WriteString("url", "http://hl7.org/fhir/5.0/StructureDefinition/extension-" + path);
        w.WriteStartArray("extension");
        parts();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Extensions(Utf8JsonWriter w, IEnumerable<ElementExtension> extensions)
    {
        foreach (var extension in extensions) Extension(w, extension.Url, () => PrimitiveValue(w, extension.ValueType, extension.Value));
    }

    private static void Extension(Utf8JsonWriter w, string url, Action value)
    {
        w.WriteStartObject();
        w.WriteString("url", url);
        value();
        w.WriteEndObject();
    }

    private static void SubExtension(Utf8JsonWriter w, string url, string type, string value)
    {
        w.WriteStartObject();
        w.WriteString("url", url);
        PrimitiveValue(w, type, value);
        w.WriteEndObject();
    }

    internal static void CodingParameter(Utf8JsonWriter w, string name, CodingValue coding)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WritePropertyName("valueCoding");
        Coding(w, coding);
        w.WriteEndObject();
    }

    internal static void Coding(Utf8JsonWriter w, CodingValue coding)
    {
        w.WriteStartObject();
        if (coding.System is { } system) w.WriteString("system", system);
        if (coding.Version is { } version) w.WriteString("version", version);
        if (coding.Code is { } code) w.WriteString("code", code);
        if (coding.Display is { } display) w.WriteString("display", display);
        w.WriteEndObject();
    }
}
