using System.Text;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Http.Terminology;
using FhirServer.Storage;

namespace FhirServer.Http;

/// <summary>
/// StructureDefinition/$snapshot (R4 structuredefinition-operation-snapshot): the StructureDefinition with a
/// snapshot generated from its differential. The definition is posted (as the Parameters' <c>definition</c>, or as
/// the body itself), named by <c>url</c> among the loaded packages, or stored (instance level). Bases and type
/// profiles come from the loaded packages. A differential the base does not allow is a 422 with each issue located
/// in the differential.
/// </summary>
public static class SnapshotEndpoints
{
    public const string OperationDefinition = "http://hl7.org/fhir/OperationDefinition/StructureDefinition-snapshot";

    public static IServiceCollection AddSnapshots(this IServiceCollection services) =>
        services.AddSingleton(sp => new SnapshotGenerator(sp.GetRequiredService<DefinitionRegistry>()));

    public static IEndpointRouteBuilder MapSnapshotEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/StructureDefinition/$snapshot", [HttpMethods.Get, HttpMethods.Post], http => Run(http, null));
        app.MapMethods("/StructureDefinition/{id}/$snapshot", [HttpMethods.Get, HttpMethods.Post], http => Run(http, FhirEndpoints.Id(http)));
        return app;
    }

    /// <summary>The operation in the CapabilityStatement's StructureDefinition entry.</summary>
    public static void AddOperation(JsonObject resource, string type)
    {
        if (type == "StructureDefinition")
            resource["operation"] = new JsonArray(new JsonObject { ["name"] = "snapshot", ["definition"] = OperationDefinition });
    }

    private static async Task Run(HttpContext http, string? id)
    {
        var definition = id is not null ? await Stored(http, id) : await FromRequest(http);
        if ((string?)definition["resourceType"] != "StructureDefinition")
            throw FhirException.BadRequest($"$snapshot works on a StructureDefinition, not a {(string?)definition["resourceType"]}.", "definition");
        var outcome = http.RequestServices.GetRequiredService<SnapshotGenerator>().Generate(definition);
        if (!outcome.Success)
            throw new FhirException(StatusCodes.Status422UnprocessableEntity, [.. outcome.Issues.Where(i => i.IsError)]);
        var json = Encoding.UTF8.GetBytes(outcome.StructureDefinition!.ToJsonString());
        await http.RequestServices.GetRequiredService<FhirOutput>().WriteAsync(http, json, StatusCodes.Status200OK);
    }

    private static async Task<JsonObject> Stored(HttpContext http, string id)
    {
        var stored = await http.RequestServices.GetRequiredService<IResourceStore>().ReadAsync("StructureDefinition", id, http.RequestAborted);
        if (stored?.Body is null) throw FhirException.NotFound($"StructureDefinition/{id} is not known");
        return (JsonObject)JsonNode.Parse(stored.Body)!;
    }

    private static async Task<JsonObject> FromRequest(HttpContext http)
    {
        string? url;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var body = await http.RequestServices.GetRequiredService<FhirInput>().ReadResourceAsync(http.Request);
            if (body.Type == "StructureDefinition") return ToJson(body);
            var input = OperationInput.FromParameters(body, http.Request.Query);
            if (input.Node("definition") is { } posted)
            {
                if (!posted.IsResource) throw FhirException.BadRequest("The parameter 'definition' is a resource (a StructureDefinition).", "definition");
                return ToJson(posted);
            }
            url = input.String("url");
        }
        else
        {
            url = OperationInput.FromQuery(http.Request.Query).String("url");
        }
        if (url is null) throw FhirException.BadRequest("$snapshot needs a definition (a StructureDefinition) or the url of one.", "url", "required");
        var registry = http.RequestServices.GetRequiredService<DefinitionRegistry>();
        if (registry.Resolve(url) is not { ResourceType: "StructureDefinition" } entry)
            throw FhirException.NotFound($"No StructureDefinition with url '{url}' is loaded.");
        return (JsonObject)JsonNode.Parse(registry.ReadBytes(entry))!;
    }

    private static JsonObject ToJson(ElementNode resource) => (JsonObject)JsonNode.Parse(FhirJsonWriter.WriteToBytes(resource))!;
}
