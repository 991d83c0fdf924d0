using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Smart;

/// <summary>
/// <c>POST /auth/launch</c>: the portal (or EHR) records the context it opens an app in — <c>patient</c>,
/// <c>encounter</c>, <c>fhirContext</c>, <c>need_patient_banner</c>, optionally the <c>client_id</c> of the one app
/// that may use it — and gets the <c>launch</c> id to pass to the app (<c>launch_url</c>: the app's launch URL with
/// <c>iss</c> and <c>launch</c>, when the client has one). Only a client configured with <c>LaunchCreator</c> may call
/// it, with an access token of its own (client_credentials, SMART Backend Services).
/// </summary>
public static class LaunchEndpoint
{
    public static async Task<IResult> CreateAsync(HttpContext http, SmartSettings settings, ServerSettings server, LaunchContexts launches,
        IResourceStore store, ILogger<LaunchContexts> logger, CancellationToken ct)
    {
        Authorize(http, settings);
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct) as JsonObject
                ?? throw FhirException.BadRequest("The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw FhirException.BadRequest($"The body is not JSON: {e.Message}");
        }
        var patient = await ExistingAsync(store, body, "patient", "Patient", ct);
        var encounter = await ExistingAsync(store, body, "encounter", "Encounter", ct);
        var fhirContext = FhirContext(body);
        var banner = body["need_patient_banner"] switch
        {
            null => true,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw FhirException.BadRequest("need_patient_banner must be true or false.", "need_patient_banner"),
        };
        var clientId = Text(body, "client_id");
        SmartClient? client = null;
        if (clientId is not null && (client = settings.FindClient(clientId)) is null)
            throw FhirException.Unprocessable($"client_id '{clientId}' is not a registered client.", "client_id");

        var id = launches.Create(new LaunchContext(patient, encounter, fhirContext, banner, clientId));
        logger.LogInformation("SMART launch context created by {Creator} for patient {Patient}, client {Client}",
            http.User.FindFirst(ContractClaims.ClientId)?.Value, patient, clientId ?? "(any)");
        var answer = new JsonObject { ["launch"] = id, ["expires_in"] = (long)launches.Lifetime.TotalSeconds };
        if (client?.LaunchUrl is { } launchUrl)
        {
            var query = $"iss={Uri.EscapeDataString(SmartServer.FhirBase(http, server))}&launch={Uri.EscapeDataString(id)}";
            answer["launch_url"] = launchUrl + (launchUrl.Contains('?') ? "&" : "?") + query;
        }
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(answer.ToJsonString(), "application/json", statusCode: StatusCodes.Status201Created);
    }

    // A bearer token (the default scheme) of a client allowed to create launches, issued to the client itself.
    private static void Authorize(HttpContext http, SmartSettings settings)
    {
        if (http.User.Identity?.IsAuthenticated != true)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            throw new FhirException(StatusCodes.Status401Unauthorized, "login", "Creating a launch context needs an access token: send it as Authorization: Bearer <token>.");
        }
        var clientId = http.User.FindFirst(ContractClaims.ClientId)?.Value;
        if (settings.FindClient(clientId) is not { LaunchCreator: true } || http.User.FindFirst("sub")?.Value != clientId)
            throw new FhirException(StatusCodes.Status403Forbidden, "forbidden",
                "Only a client configured with LaunchCreator may create launch contexts, with a client_credentials token of its own.");
    }

    private static async Task<string?> ExistingAsync(IResourceStore store, JsonObject body, string name, string type, CancellationToken ct)
    {
        if (Text(body, name) is not { } id) return null;
        if (!Conformance.Serialization.PrimitiveRules.IsId(id)) throw FhirException.BadRequest($"{name} must be the id of a {type}, not '{id}'.", name);
        if (await store.ReadAsync(type, id, ct) is not { Deleted: false })
            throw FhirException.Unprocessable($"{type}/{id} does not exist.", name);
        return id;
    }

    private static string? Text(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) && s.Length > 0 => s,
        _ => throw FhirException.BadRequest($"{name} must be a non-empty string.", name),
    };

    // SMART 2.x fhirContext: objects with a reference (relative, Type/id), a canonical or an identifier, and type/role.
    private static JsonArray? FhirContext(JsonObject body)
    {
        if (body["fhirContext"] is null) return null;
        if (body["fhirContext"] is not JsonArray array) throw FhirException.BadRequest("fhirContext must be an array of objects.", "fhirContext");
        for (var i = 0; i < array.Count; i++)
        {
            var where = $"fhirContext[{i}]";
            if (array[i] is not JsonObject item || (item["reference"] is null && item["canonical"] is null && item["identifier"] is null))
                throw FhirException.BadRequest($"{where} must be an object with a reference, a canonical or an identifier.", where);
            if (item["reference"] is { } reference && (reference.GetValueKind() != JsonValueKind.String || reference.GetValue<string>().Split('/') is not [{ Length: > 0 }, { Length: > 0 }]))
                throw FhirException.BadRequest($"{where}.reference must be a relative reference Type/id.", where + ".reference");
            // SMART 2.2 "fhirContext": roles other than "launch" (the default) are absolute URIs; Patient and Encounter
            // come as the top-level patient and encounter, and in fhirContext only with another role.
            var role = item["role"] is null ? "launch" : StringOf(item["role"]) ?? "";
            // (Uri.TryCreate alone takes "/x" for a file path on Unix.)
            if (role != "launch" && !(role.Contains(':') && Uri.TryCreate(role, UriKind.Absolute, out _)))
                throw FhirException.BadRequest($"{where}.role must be \"launch\" or an absolute URI, not '{role}'.", where + ".role");
            var type = StringOf(item["reference"])?.Split('/')[0] ?? StringOf(item["type"]);
            if (role == "launch" && type is "Patient" or "Encounter")
                throw FhirException.BadRequest($"{where}: a {type} in context is the launch's {type!.ToLowerInvariant()}, not a fhirContext entry (unless it has another role).", where);
        }
        return (JsonArray)array.DeepClone();
    }

    private static string? StringOf(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}
