using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Terminology;
using FhirServer.Terminology.Model;

namespace FhirServer.Http.Terminology;

/// <summary>
/// ConceptMap/$translate over HTTP. The R4 parameters (code, system, version, coding, codeableConcept, source,
/// target, targetsystem, dependency, reverse) are read, and so are the R5 names terminology clients also send
/// (sourceCode, sourceSystem, sourceCoding, targetCode for a reverse translation, targetSystem…). A request in R4
/// names is answered with the R4 match parts (equivalence, concept, product, source: the map); a request in R5 names
/// with the map as originMap and, in reverse, the source concept found as source, the target it maps to as concept.
/// </summary>
public static class TranslateEndpoint
{
    private static readonly string[] ReverseNames = ["targetCode", "targetCoding", "targetCodeableConcept"];
    private static readonly string[] R5Names = ["sourceCode", "sourceCoding", "sourceCodeableConcept", "sourceSystem", .. ReverseNames];

    internal static byte[] Translate(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var r5 = R5Names.Any(n => input.Nodes(n).Count > 0 || input.String(n) is not null);
        var reverse = ReverseNames.Any(n => input.Nodes(n).Count > 0 || input.String(n) is not null);
        IReadOnlyList<CodingValue> codings;
        string? targetSystem;
        if (!r5)
        {
            codings = Codings(input, "code", "system", "version", "coding", "codeableConcept");
            targetSystem = input.String("targetsystem");
            reverse = input.Bool("reverse");
        }
        else if (reverse)
        {
            // Reversed, targetSystem is the system of the code given and sourceSystem the system asked for.
            codings = Codings(input, "targetCode", "targetSystem", "targetVersion", "targetCoding", "targetCodeableConcept");
            targetSystem = input.String("sourceSystem");
        }
        else
        {
            codings = Codings(input, "sourceCode", "sourceSystem", "sourceVersion", "sourceCoding", "sourceCodeableConcept");
            targetSystem = input.String("targetSystem");
        }
        if (codings.Count == 0)
            throw FhirException.BadRequest("$translate needs a code and system, a coding or a codeableConcept.", r5 ? "sourceCode" : "code", "required");

        var url = input.String("url");
        if (url is not null && input.String("conceptMapVersion") is { } version) url += "|" + version;
        var result = service.Translate(new TranslateRequest(codings)
        {
            ConceptMap = instance ?? input.Resources("conceptMap").FirstOrDefault(),
            ConceptMapUrl = url,
            Source = input.String("source") ?? input.String("sourceScope"),
            Target = input.String("target") ?? input.String("targetScope"),
            TargetSystem = targetSystem,
            Dependencies = Dependencies(input),
            Reverse = reverse,
            TxResources = TerminologyEndpoints.TxResources(input, null),
        });
        return Output(result, r5);
    }

    private static IReadOnlyList<CodingValue> Codings(OperationInput input, string code, string system, string version, string coding, string concept)
    {
        if (input.Node(concept) is { } codeableConcept) return FhirServer.Terminology.Model.Codings.ReadConcept(codeableConcept);
        if (input.Node(coding) is { } c) return [FhirServer.Terminology.Model.Codings.Read(c)!];
        return input.String(code) is { } value ? [new CodingValue(input.String(system), value, null, input.String(version))] : [];
    }

    // dependency: parts element (uri) and concept (CodeableConcept; R5 sends value[x] as a Coding or a code).
    private static IReadOnlyList<(string, CodingValue)> Dependencies(OperationInput input) =>
        [.. input.Nodes("dependency").SelectMany(d =>
        {
            var parts = d.ChildrenNamed("part").ToList();
            var element = Part(parts, "element") ?? Part(parts, "attribute");
            var value = parts.FirstOrDefault(p => p.Child("name")?.Value is "concept" or "value")?.Child("value");
            if (element?.Value is not { } uri || value is null)
                throw FhirException.BadRequest("A $translate dependency has an element and a concept.", d.Location, "required");
            IEnumerable<CodingValue> concepts = value.Type switch
            {
                "CodeableConcept" => FhirServer.Terminology.Model.Codings.ReadConcept(value),
                "Coding" => [FhirServer.Terminology.Model.Codings.Read(value)!],
                _ => [new CodingValue(null, value.Value)],
            };
            return concepts.Select(c => (uri, c));
        })];

    private static ElementNode? Part(List<ElementNode> parts, string name) => parts.FirstOrDefault(p => p.Child("name")?.Value == name)?.Child("value");

    // The parts in name order, as terminology servers write them.
    private static byte[] Output(TranslateResult result, bool r5) => TerminologyOutput.Parameters(w =>
    {
        if (result.Message is { } message) TerminologyOutput.Parameter(w, "message", "valueString", message);
        foreach (var match in result.Matches)
            TerminologyOutput.Parts(w, "match", () =>
            {
                var concept = r5 && match.Reversed ? match.Matched : match.Concept;
                if (concept is not null) TerminologyOutput.CodingParameter(w, "concept", concept);
                TerminologyOutput.Parameter(w, "equivalence", "valueCode", match.Equivalence);
                if (r5) TerminologyOutput.Parameter(w, "originMap", "valueCanonical", match.OriginMap);
                foreach (var (element, product) in match.Products) TerminologyOutput.Parts(w, "product", () => Product(w, element, product));
                if (!r5) TerminologyOutput.Parameter(w, "source", "valueUri", match.OriginMap);
                else if (match.Reversed && match.Concept is not null) TerminologyOutput.CodingParameter(w, "source", match.Concept);
            });
        TerminologyOutput.Parameter(w, "result", result.Result);
    });

    private static void Product(Utf8JsonWriter w, string element, CodingValue concept)
    {
        TerminologyOutput.Parameter(w, "element", "valueUri", element);
        TerminologyOutput.CodingParameter(w, "concept", concept);
    }
}
