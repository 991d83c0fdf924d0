using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Http.Terminology;
using FhirServer.Rest;
using FhirServer.Storage;
using FhirServer.Validation;

namespace FhirServer.Http;

/// <summary>
/// <c>$validate</c> (R4 resource-operation-validate): <c>POST [base]/[type]/$validate</c> and
/// <c>POST|GET [base]/[type]/[id]/$validate</c>, the body the resource itself or a Parameters with <c>resource</c>,
/// <c>mode</c> (create, update, delete) and <c>profile</c>; query parameters <c>mode</c> and <c>profile</c> too.
/// The answer is 200 with an OperationOutcome whether the resource is valid or not (errors, warnings and information,
/// each with its FHIRPath location, line and column; one "All OK" information when nothing is found), including when
/// the body does not parse: what the parser found is the outcome. A 4xx means the validation could not be made: no
/// resource, a mode the level does not allow, an unknown or deleted instance, a body that is not FHIR.
/// </summary>
public static class ValidateEndpoint
{
    private static readonly string[] Modes = ["create", "update", "delete"];

    public static IEndpointRouteBuilder MapValidateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/{type}/$validate", http => Run(http, instance: false));
        app.MapGet("/{type}/$validate", http =>
            throw FhirException.BadRequest($"$validate on {FhirEndpoints.Type(http)} needs the resource: POST it, or a Parameters with 'resource', to {http.Request.Path}.", "resource", "required"));
        app.MapMethods("/{type}/{id}/$validate", [HttpMethods.Get, HttpMethods.Post], http => Run(http, instance: true));
        return app;
    }

    /// <summary>Lists $validate among a resource type's operations in the CapabilityStatement.</summary>
    public static void AddOperation(System.Text.Json.Nodes.JsonObject resource)
    {
        if (resource["operation"] is not System.Text.Json.Nodes.JsonArray operations) resource["operation"] = operations = [];
        operations.Add(new System.Text.Json.Nodes.JsonObject { ["name"] = "validate", ["definition"] = "http://hl7.org/fhir/OperationDefinition/Resource-validate" });
    }

    private static async Task Run(HttpContext http, bool instance)
    {
        var type = FhirEndpoints.Type(http);
        var id = instance ? FhirEndpoints.Id(http) : null;
        var services = http.RequestServices;
        var issues = new List<OutcomeIssue>();
        var input = OperationInput.FromQuery(http.Request.Query);
        ElementNode? resource = null;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var body = await services.GetRequiredService<FhirInput>().ReadBytesAsync(http.Request);
            if (body.Length > 0 && Parse(http, body, type, issues) is { } parsed)
            {
                // A Parameters is the operation's input, unless a Parameters is what is to be validated.
                if (parsed.Type == "Parameters" && (type != "Parameters" || parsed.ChildrenNamed("parameter").Any(p => p.Child("name")?.Value == "resource")))
                {
                    input = OperationInput.FromParameters(parsed, http.Request.Query);
                    resource = input.Node("resource") is { IsResource: true } inner ? Detach(inner) : null;
                }
                else resource = parsed;
            }
            else if (body.Length > 0)
            {
                // Not a resource at all: the parser's issues are the outcome.
                await Write(http, issues);
                return;
            }
        }

        var mode = input.String("mode");
        if (mode is not null && !Modes.Contains(mode))
            throw FhirException.BadRequest($"mode '{mode}' is not a resource validation mode (create, update, delete).", "mode", "value");
        if (mode is "update" or "delete" && id is null)
            throw FhirException.BadRequest($"mode {mode} is for an existing resource: use {type}/[id]/$validate (R4 resource-operation-validate).", "mode");

        StoredVersion? current = null;
        if (id is not null)
        {
            current = await services.GetRequiredService<IResourceStore>().ReadAsync(type, id, http.RequestAborted);
            // The instance the operation names must exist for a delete, or to be validated when no resource is sent.
            if (mode == "delete" || resource is null)
            {
                if (current is null) throw FhirException.NotFound($"{type}/{id} is not known");
                if (current.Deleted) throw FhirException.Gone($"{type}/{id} was deleted (version {current.Version})");
            }
        }
        var service = services.GetRequiredService<ResourceService>();
        if (mode == "delete")
        {
            // Nothing to validate but whether the delete would be accepted (R4: the server ignores the content).
            Writable(service, type, id!, "DELETE", issues);
            await Write(http, issues);
            return;
        }
        if (resource is null && current is not null) resource = service.ParseStored(current);
        if (resource is null)
            throw FhirException.BadRequest($"$validate needs a resource: the body, or the 'resource' parameter of a Parameters (mode {mode ?? "none"}).", "resource", "required");

        var validator = services.GetRequiredService<ServerValidator>();
        var profiles = input.Strings("profile").ToList();
        if (resource.Type != type)
            issues.Add(new OutcomeIssue(IssueSeverity.Error, "invalid", $"The resource is a {resource.Type}, but the URL is for {type}.", resource.Type));
        if (mode == "update")
        {
            var bodyId = resource.Child("id")?.Value;
            if (bodyId is null)
                issues.Add(new OutcomeIssue(IssueSeverity.Error, "required", $"The resource has no id; an update must carry the id of the URL ({id}).", $"{resource.Type}.id"));
            else if (bodyId != id)
                issues.Add(new OutcomeIssue(IssueSeverity.Error, "invalid", $"The resource id '{bodyId}' differs from the id in the URL '{id}'.", $"{resource.Type}.id"));
            if ((current is null || current.Deleted) && !service.Settings.UpdateCreate)
                issues.Add(new OutcomeIssue(IssueSeverity.Error, "not-supported", $"{type}/{id} does not exist and this server does not create resources by update (use POST)."));
            Writable(service, type, id!, "PUT", issues);
        }
        // As a create or update, also the profiles the server requires of every write of the type.
        if (mode is "create" or "update") profiles.AddRange(validator.Settings.RequiredFor(resource.Type).Except(profiles));
        issues.AddRange(validator.Validate(resource, profiles, http.RequestAborted).Issues);
        await Write(http, issues);
    }

    private static ElementNode? Parse(HttpContext http, ReadOnlyMemory<byte> body, string type, List<OutcomeIssue> issues)
    {
        var kind = FhirInput.Kind(http.Request, body.Span);
        if (kind is not (BodyKind.FhirJson or BodyKind.FhirXml))
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"Content-Type '{http.Request.ContentType}' is not a FHIR format (application/fhir+json, application/fhir+xml).");
        var conformance = http.RequestServices.GetRequiredService<ConformanceContext>();
        var parsed = kind == BodyKind.FhirXml ? conformance.Xml.Parse(body.Span) : conformance.Json.Parse(body);
        issues.AddRange(parsed.Issues);
        if (parsed.Resource is null && !parsed.Issues.Any(i => i.IsError))
            issues.Add(new OutcomeIssue(IssueSeverity.Error, "structure", $"The body is not a FHIR resource; a {type} was expected."));
        return parsed.Resource;
    }

    // A resource inside a Parameters is validated as a resource of its own: locations start at its type.
    private static ElementNode Detach(ElementNode resource)
    {
        var root = ElementNode.Resource(resource.Type, resource.Definition);
        root.Line = resource.Line;
        root.Column = resource.Column;
        foreach (var child in resource.Children.ToList()) root.Add(child);
        return root;
    }

    // A change the server refuses whatever the content (a packaged conformance resource): an error of the outcome.
    private static void Writable(ResourceService service, string type, string id, string interaction, List<OutcomeIssue> issues)
    {
        try
        {
            service.CheckWritable(type, id, interaction);
        }
        catch (FhirException refused)
        {
            issues.AddRange(refused.Issues);
        }
    }

    private static Task Write(HttpContext http, List<OutcomeIssue> issues)
    {
        if (issues.Count == 0) issues.Add(new OutcomeIssue(IssueSeverity.Information, "informational", "All OK"));
        return http.RequestServices.GetRequiredService<FhirOutput>().WriteOutcomeAsync(http, StatusCodes.Status200OK, issues);
    }
}
