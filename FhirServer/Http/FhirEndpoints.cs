using System.Globalization;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Rest;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.IO;
using Microsoft.Net.Http.Headers;

namespace FhirServer.Http;

/// <summary>
/// The FHIR REST interactions of R4 http.html: capabilities, read, vread, create, update, patch, delete, history
/// (instance, type, system), and batch/transaction. Handlers are plain request delegates; client errors are thrown
/// as <see cref="FhirException"/> and written as OperationOutcomes by <see cref="FhirErrors"/>.
/// </summary>
public static partial class FhirEndpoints
{
    public static IEndpointRouteBuilder MapFhirEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metadata", http => Service<Capabilities>(http).WriteAsync(http));
        app.MapGet("/$versions", http => Service<Capabilities>(http).WriteVersionsAsync(http));
        // Not a resource type: without this, the type routes below would answer 404 "unknown type" for these.
        app.MapMethods("/metadata", [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], http =>
            throw new FhirException(StatusCodes.Status405MethodNotAllowed, "not-supported", $"{http.Request.Method} is not allowed on /metadata; it is read with GET."));
        app.MapPost("/", Bundles);
        app.MapGet("/_history", http => History(http, null, null));
        app.MapPost("/{type}", Create);
        app.MapPut("/{type}", ConditionalUpdate);
        app.MapDelete("/{type}", ConditionalDelete);
        app.MapPatch("/{type}", ConditionalPatch);
        app.MapGet("/{type}/_history", http => History(http, Type(http), null));
        app.MapGet("/{type}/{id}", Read);
        app.MapPut("/{type}/{id}", Update);
        app.MapPatch("/{type}/{id}", Patch);
        app.MapDelete("/{type}/{id}", Delete);
        app.MapGet("/{type}/{id}/_history", http => History(http, Type(http), Id(http)));
        app.MapGet("/{type}/{id}/_history/{vid}", VRead);
        app.MapPost("/{type}/{id}", PostOnInstance);
        app.MapPost("/{type}/{id}/{operation}", PostOnInstance);
        return app;
    }

    private static T Service<T>(HttpContext http) where T : notnull => http.RequestServices.GetRequiredService<T>();

    /// <summary>The resource type of the URL: 404 unless it is a concrete resource type of the loaded definitions.</summary>
    internal static string Type(HttpContext http)
    {
        var type = (string)http.Request.RouteValues["type"]!;
        if (IsOperation(type))
            throw NoOperation(type, http.Request.RouteValues["compartment"] is string compartment ? $"{compartment}/{http.Request.RouteValues["id"]}" : "the system level");
        var registry = Service<ConformanceContext>(http).Registry;
        if (!registry.IsResourceType(type) || type is "Resource" or "DomainResource")
            throw FhirException.NotFound($"'{type}' is not a resource type this server knows");
        return type;
    }

    // Operations (R4 operations.html: $name at the system, type or instance level) that no endpoint implements come to
    // the type and id routes, whose segment then is the $name: 501 with an OperationOutcome rather than an unknown type
    // or an invalid id. An implemented operation maps its name literally, a more specific route.
    internal static bool IsOperation(string segment) => segment.Length > 1 && segment[0] == '$';

    internal static FhirException NoOperation(string operation, string where) =>
        new(StatusCodes.Status501NotImplemented, "not-supported",
            $"The operation {operation} is not supported on {where} by this server; its CapabilityStatement (/metadata) says what it supports.");

    // POST on an instance, or below it: only an operation could be meant.
    private static Task PostOnInstance(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        if (http.Request.RouteValues["operation"] is string operation)
        {
            if (IsOperation(operation)) throw NoOperation(operation, $"{type}/{id}");
            throw FhirException.NotFound($"No FHIR interaction at {http.Request.Path}.");
        }
        http.Response.Headers.Allow = "GET, HEAD, PUT, PATCH, DELETE";
        throw new FhirException(StatusCodes.Status405MethodNotAllowed, "not-supported", $"POST is not allowed on {http.Request.Path}.");
    }

    internal static string Id(HttpContext http)
    {
        var id = (string)http.Request.RouteValues["id"]!;
        if (IsOperation(id)) throw NoOperation(id, (string)(http.Request.RouteValues["compartment"] ?? http.Request.RouteValues["type"])!);
        // The R4 id type (datatypes.html#id), checked where every other id is: a pattern anchored with $ would also
        // take an id with a trailing newline (a decoded %0A).
        if (!PrimitiveRules.IsId(id))
            throw FhirException.BadRequest($"'{id}' is not a valid resource id (1 to 64 letters, digits, '-' and '.')");
        return id;
    }

    private static async Task Read(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        var store = Service<IResourceStore>(http);
        // A Binary is read without its data, which is streamed from the store when it is answered (ITI-68).
        var current = type == "Binary" ? await store.ReadStoredAsync(type, id, null, http.RequestAborted) : await store.ReadAsync(type, id, http.RequestAborted);
        if (current is null && await Service<PackagedResources>(http).TryWriteAsync(http, type, id)) return;
        if (current is null) throw FhirException.NotFound($"{type}/{id} is not known");
        if (current.Deleted)
        {
            SetVersionHeaders(http.Response, current);
            throw FhirException.Gone($"{type}/{id} was deleted (version {current.Version})");
        }
        await WriteVersion(http, current);
    }

    private static async Task VRead(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        var vid = (string)http.Request.RouteValues["vid"]!;
        if (!int.TryParse(vid, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            throw FhirException.NotFound($"{type}/{id} has no version '{vid}'");
        var store = Service<IResourceStore>(http);
        var found = type == "Binary" ? await store.ReadStoredAsync(type, id, version, http.RequestAborted)
            : await store.ReadVersionAsync(type, id, version, http.RequestAborted);
        if (found is null)
        {
            if (await store.ReadAsync(type, id, http.RequestAborted) is null) throw FhirException.NotFound($"{type}/{id} is not known");
            throw FhirException.NotFound($"{type}/{id} has no version {version}");
        }
        if (found.Deleted)
        {
            SetVersionHeaders(http.Response, found);
            throw FhirException.Gone($"Version {version} of {type}/{id} is its deletion");
        }
        await WriteVersion(http, found);
    }

    /// <summary>A stored version as the response: conditional read (304), raw Binary, views, headers.</summary>
    private static async Task WriteVersion(HttpContext http, StoredVersion version)
    {
        var request = http.Request;
        SetVersionHeaders(http.Response, version);
        if (NotModified(request, version))
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        var output = Service<FhirOutput>(http);
        var view = ResourceViews.FromQuery(request, output.Conformance.Registry);
        if (version.Type == "Binary")
        {
            await BinaryContent.WriteAsync(http, version, view);
            return;
        }
        await output.WriteAsync(http, version.Body!, StatusCodes.Status200OK, view);
    }

    // R4 http.html#cread: If-None-Match with the current ETag, or If-Modified-Since not older than the version.
    private static bool NotModified(HttpRequest request, StoredVersion version)
    {
        var headers = request.GetTypedHeaders();
        if (headers.IfNoneMatch is { Count: > 0 } tags)
            return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Tag.Value?.Trim('"') == version.Version.ToString(CultureInfo.InvariantCulture));
        if (headers.IfModifiedSince is { } since)
            return version.LastUpdated.AddTicks(-(version.LastUpdated.UtcTicks % TimeSpan.TicksPerSecond)) <= since;
        return false;
    }

    internal static void SetVersionHeaders(HttpResponse response, StoredVersion version)
    {
        response.Headers.ETag = $"W/\"{version.Version}\"";
        response.Headers.LastModified = version.LastUpdated.ToString("R", CultureInfo.InvariantCulture);
    }

    internal static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static async Task Create(HttpContext http)
    {
        var type = Type(http);
        var (resource, content) = await BinaryContent.ReadResourceAsync(http, type);
        if (resource.Type != type)
            throw FhirException.BadRequest($"The body is a {resource.Type}, but the URL is for {type}.", resource.Type);
        var criteria = http.Request.Headers["If-None-Exist"].ToString();
        // Conditional creates with the same criteria wait for each other, from the match until the create is committed.
        await using var serialized = criteria.Length > 0
            ? await Service<ConditionalCreateLocks>(http).AcquireAsync([ConditionalCreateLocks.Key(type, criteria)], http.RequestAborted)
            : null;
        if (criteria.Length > 0)
        {
            // Conditional create (R4 http.html#ccreate): one match → that resource, unchanged; several → 412.
            var matches = await Service<ConditionalMatcher>(http).MatchAsync(type, criteria, BaseUrl(http.Request), http.RequestAborted);
            if (matches.Count > 1) throw FhirException.PreconditionFailed($"If-None-Exist '{criteria}' matches more than one {type}.");
            if (matches.Count == 1)
            {
                await WriteWriteResult(http, new WriteResult(matches[0], false, null), StatusCodes.Status200OK);
                return;
            }
        }
        var create = Service<ResourceService>(http).PrepareCreate(resource, content: content);
        var result = await Service<CreateCombiner>(http).CreateAsync(create);
        await WriteWriteResult(http, result, StatusCodes.Status201Created);
    }

    /// <summary>PUT /{type}?criteria (R4 http.html#cond-update): no match → create, one → update it, several → 412.</summary>
    private static async Task ConditionalUpdate(HttpContext http)
    {
        var type = Type(http);
        var criteria = http.Request.QueryString.Value ?? "";
        var (resource, content) = await BinaryContent.ReadResourceAsync(http, type);
        if (resource.Type != type)
            throw FhirException.BadRequest($"The body is a {resource.Type}, but the URL is for {type}.", resource.Type);
        // With no match it creates: held like a conditional create with these criteria, from the match to the commit.
        await using var serialized = await Service<ConditionalCreateLocks>(http).AcquireAsync([ConditionalCreateLocks.Key(type, criteria)], http.RequestAborted);
        var matches = await Service<ConditionalMatcher>(http).MatchAsync(type, criteria, BaseUrl(http.Request), http.RequestAborted);
        if (matches.Count > 1) throw FhirException.PreconditionFailed($"The criteria '{criteria}' match more than one {type}.");
        var bodyId = resource.Child("id")?.Value;
        var service = Service<ResourceService>(http);
        WriteResult result;
        if (matches.Count == 1)
        {
            if (bodyId is not null && bodyId != matches[0].Id)
                throw FhirException.BadRequest($"The resource id '{bodyId}' is not the id of the matching resource '{matches[0].Id}'.", $"{type}.id");
            var ifMatch = IfMatch(http.Request);
            result = await service.InTransactionAsync(s => service.UpdateAsync(s, type, matches[0].Id, resource, ifMatch, http.RequestAborted, content: content), http.RequestAborted);
        }
        else if (bodyId is not null)
            result = await service.InTransactionAsync(s => service.UpdateAsync(s, type, bodyId, resource, null, http.RequestAborted, content: content), http.RequestAborted);
        else
            result = await service.InTransactionAsync(s => service.CreateAsync(s, resource, ct: http.RequestAborted, content: content), http.RequestAborted);
        await WriteWriteResult(http, result, result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>DELETE /{type}?criteria (R4 http.html#cdelete): deletes the one match; several → 412.</summary>
    private static async Task ConditionalDelete(HttpContext http)
    {
        var type = Type(http);
        var criteria = http.Request.QueryString.Value ?? "";
        var matches = await Service<ConditionalMatcher>(http).MatchAsync(type, criteria, BaseUrl(http.Request), http.RequestAborted);
        if (matches.Count > 1) throw FhirException.PreconditionFailed($"The criteria '{criteria}' match more than one {type}; this server deletes one resource at a time.");
        var service = Service<ResourceService>(http);
        var deletion = matches.Count == 0 ? null
            : await service.InTransactionAsync(s => service.DeleteAsync(s, type, matches[0].Id, null, http.RequestAborted,
                Prefer.Return(http.Request) == Prefer.Minimal), http.RequestAborted);
        if (deletion is not null) SetVersionHeaders(http.Response, deletion);
        if (Prefer.Return(http.Request) == Prefer.Minimal)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var message = deletion is null ? $"No {type} matches '{criteria}'; nothing to do." : $"{type}/{deletion.Id} deleted (version {deletion.Version}).";
        await Service<FhirOutput>(http).WriteAsync(http, OperationOutcomes.Information(message), StatusCodes.Status200OK);
    }

    private static async Task Update(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        var (resource, content) = await BinaryContent.ReadResourceAsync(http, type, id);
        if (resource.Type != type)
            throw FhirException.BadRequest($"The body is a {resource.Type}, but the URL is for {type}.", resource.Type);
        var bodyId = resource.Child("id")?.Value;
        if (bodyId is null) throw FhirException.BadRequest($"The resource has no id; an update must carry the id of the URL ({id}).", $"{type}.id", "required");
        if (bodyId != id) throw FhirException.BadRequest($"The resource id '{bodyId}' differs from the id in the URL '{id}'.", $"{type}.id");
        var ifMatch = IfMatch(http.Request);
        var service = Service<ResourceService>(http);
        // A packaged resource is refused (405) before its content is looked at.
        service.CheckWritable(type, id, "PUT");
        var checkedResource = service.Check(resource);
        var result = await service.InTransactionAsync(s => service.UpdateAsync(s, type, id, resource, ifMatch, http.RequestAborted, checkedResource, content: content), http.RequestAborted);
        await WriteWriteResult(http, result, result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task Patch(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        await PatchOne(http, type, id, await ReadPatch(http));
    }

    /// <summary>PATCH /{type}?criteria (R4 http.html#patch): patches the one match; none → 404, several → 412.</summary>
    private static async Task ConditionalPatch(HttpContext http)
    {
        var type = Type(http);
        var patch = await ReadPatch(http);
        var criteria = http.Request.QueryString.Value ?? "";
        var matches = await Service<ConditionalMatcher>(http).MatchAsync(type, criteria, BaseUrl(http.Request), http.RequestAborted);
        if (matches.Count > 1) throw FhirException.PreconditionFailed($"The criteria '{criteria}' match more than one {type}; this server patches one resource at a time.");
        if (matches.Count == 0) throw FhirException.NotFound($"No {type} matches '{criteria}'; nothing to patch.");
        await PatchOne(http, type, matches[0].Id, patch);
    }

    /// <summary>The patch of the body: JSON Patch, or FHIRPath Patch (a Parameters resource).</summary>
    private static async Task<IPatch> ReadPatch(HttpContext http)
    {
        var input = Service<FhirInput>(http);
        var body = await input.ReadBytesAsync(http.Request);
        var kind = FhirInput.Kind(http.Request, body.Span);
        return kind switch
        {
            BodyKind.JsonPatch => JsonPatch.Parse(body),
            BodyKind.FhirJson or BodyKind.FhirXml => FhirPathPatch.FromParameters(input.Parse(http.Request, body), Service<ServerSettings>(http)),
            _ => throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"PATCH takes application/json-patch+json, or a FHIRPath Patch Parameters resource (application/fhir+json or +xml); not '{http.Request.ContentType}'."),
        };
    }

    private static async Task PatchOne(HttpContext http, string type, string id, IPatch patch)
    {
        var conformance = Service<ConformanceContext>(http);
        var ifMatch = IfMatch(http.Request);
        var service = Service<ResourceService>(http);
        service.CheckWritable(type, id, "PATCH");
        var result = await service.InTransactionAsync(async s =>
        {
            var current = ResourceService.Existing(await s.ReadCurrentAsync(type, id, http.RequestAborted), type, id);
            var patched = patch.Apply(conformance, service.ParseStored(current));
            if (patched.Type != type || patched.Child("id")?.Value != id)
                throw FhirException.Unprocessable("A patch may not change the resource type or id.");
            return await service.UpdateAsync(s, type, id, patched, ifMatch, http.RequestAborted, method: VersionMethod.Patch);
        }, http.RequestAborted);
        await WriteWriteResult(http, result, StatusCodes.Status200OK);
    }

    private static async Task Delete(HttpContext http)
    {
        var (type, id) = (Type(http), Id(http));
        var ifMatch = IfMatch(http.Request);
        var service = Service<ResourceService>(http);
        var minimal = Prefer.Return(http.Request) == Prefer.Minimal;
        var deletion = await service.InTransactionAsync(s => service.DeleteAsync(s, type, id, ifMatch, http.RequestAborted, minimal), http.RequestAborted);
        if (deletion is not null) SetVersionHeaders(http.Response, deletion);
        if (minimal)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        var message = deletion is null ? $"{type}/{id} did not exist or was already deleted; nothing to do." : $"{type}/{id} deleted (version {deletion.Version}).";
        await Service<FhirOutput>(http).WriteAsync(http, OperationOutcomes.Information(message), StatusCodes.Status200OK);
    }

    /// <summary>The response to create, update and patch: Location, ETag, Last-Modified, and the body the client prefers.</summary>
    private static async Task WriteWriteResult(HttpContext http, WriteResult result, int status)
    {
        var version = result.Version;
        SetVersionHeaders(http.Response, version);
        // A conditional create that matched (POST answered 200) names the match as a create names what it made.
        if (status == StatusCodes.Status201Created || http.Request.Method is "PUT" or "POST")
            http.Response.Headers.Location = $"{BaseUrl(http.Request)}/{version.Type}/{version.Id}/_history/{version.Version}";
        switch (Prefer.Return(http.Request))
        {
            case Prefer.Minimal:
                http.Response.StatusCode = status;
                return;
            case Prefer.Outcome:
                // What was done, then what the validator found short of an error (R4 http.html#ops).
                var verb = status == StatusCodes.Status201Created ? "created" : "updated";
                await Service<FhirOutput>(http).WriteAsync(http, OperationOutcomes.Json(
                    [new OutcomeIssue(IssueSeverity.Information, "informational", $"{version.Type}/{version.Id} {verb} (version {version.Version})."),
                        .. result.Warnings ?? []]), status);
                return;
            default:
                await BinaryContent.WriteWrittenAsync(http, version, status);
                return;
        }
    }

    internal static VersionMatch? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        return header.Length == 0 ? null : VersionMatch.Parse(header, "If-Match");
    }

    private static async Task History(HttpContext http, string? type, string? id)
    {
        var request = http.Request;
        var query = ParseHistory(request.Query, Service<ServerSettings>(http), type, id);
        using var bundle = await HistoryBundleAsync(http.RequestServices, query, BaseUrl(request), request.Path, request.Query, http.RequestAborted);
        await Service<FhirOutput>(http).WriteAsync(http, bundle, StatusCodes.Status200OK);
    }

    /// <summary>The history interaction's parameters (<c>_count</c>, <c>_since</c>, <c>_at</c>, <c>_cursor</c>); invalid ones → 400.</summary>
    internal static HistoryQuery ParseHistory(IQueryCollection parameters, ServerSettings settings, string? type, string? id)
    {
        var query = new HistoryQuery { Type = type, Id = id, Count = settings.DefaultPageSize, MaxBytes = settings.MaxPageBytes };
        if (parameters.TryGetValue("_count", out var count))
        {
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw FhirException.BadRequest($"_count '{count}' is not a non-negative integer.", "_count");
            query = query with { Count = Math.Min(n, settings.MaxPageSize) };
        }
        if (parameters.TryGetValue("_since", out var since))
        {
            if (!DateRange.TryParse(since.ToString(), out var range))
                throw FhirException.BadRequest($"_since '{since}' is not an instant.", "_since");
            query = query with { Since = range.Low };
        }
        if (parameters.TryGetValue("_at", out var at))
        {
            if (!DateRange.TryParse(at.ToString(), out var range))
                throw FhirException.BadRequest($"_at '{at}' is not a date or dateTime.", "_at");
            query = query with { AtLow = range.Low, AtHigh = range.High };
        }
        if (parameters.TryGetValue("_cursor", out var cursor))
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
                throw FhirException.BadRequest($"_cursor '{cursor}' is not a cursor this server issued.", "_cursor");
            query = query with { Before = before };
        }
        return query;
    }

    /// <summary>
    /// The history Bundle (JSON) of a query: for the history interaction, and for a history read in a batch or
    /// transaction entry. <paramref name="path"/> and <paramref name="parameters"/> make the links; <paramref name="rowsRead"/>
    /// is told the versions read (one past the page, to know there is more). The caller disposes the Bundle's pooled stream.
    /// </summary>
    public static async Task<RecyclableMemoryStream> HistoryBundleAsync(IServiceProvider services, HistoryQuery query, string baseUrl, string path,
        IQueryCollection parameters, CancellationToken ct, Action<int>? rowsRead = null)
    {
        var store = services.GetRequiredService<IResourceStore>();
        if (query.Type is { } type && query.Id is { } id && await store.ReadAsync(type, id, ct) is null)
            throw FhirException.NotFound($"{type}/{id} is not known");
        var versions = await store.HistoryAsync(query, ct);
        rowsRead?.Invoke(versions.Count);
        var page = versions.Take(query.Count).ToList();
        page = page.Take(PageBytes.Fit(page.Select(PageBytes.Of).ToList(), query.MaxBytes)).ToList();
        var links = new List<(string, string)> { ("self", $"{baseUrl}{path}{QueryString.Create(parameters)}") };
        if (versions.Count > page.Count && page.Count > 0)
            links.Add(("next", PageUrl(parameters, baseUrl, path, page[^1].Sequence)));
        var buffer = services.GetRequiredService<BufferPool>().Rent("history");
        try
        {
            using var bundle = new BundleJson(buffer, "history", DateTimeOffset.UtcNow, links: links);
            foreach (var v in page) WriteEntry(bundle, baseUrl, v);
            return bundle.Finish();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    // A history entry: the interaction that made the version and what it answered (R4 http.html#history: request and response).
    private static void WriteEntry(BundleJson bundle, string baseUrl, StoredVersion v)
    {
        bundle.StartEntry($"{baseUrl}/{v.Type}/{v.Id}", v.Body);
        var method = v.Method switch
        {
            VersionMethod.Create => "POST", VersionMethod.Update => "PUT", VersionMethod.Patch => "PATCH", _ => "DELETE",
        };
        bundle.Request(method, method == "POST" ? v.Type : $"{v.Type}/{v.Id}");
        var status = v.Method switch
        {
            VersionMethod.DeleteNoContent => "204 No Content",
            VersionMethod.Delete => "200 OK",
            _ => v.Version == 1 ? "201 Created" : "200 OK",
        };
        bundle.Response(status, v.Deleted ? null : $"{v.Type}/{v.Id}/_history/{v.Version}", v);
        bundle.EndEntry();
    }

    private static string PageUrl(IQueryCollection parameters, string baseUrl, string path, long before)
    {
        var pairs = parameters.Where(q => q.Key != "_cursor")
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"_cursor={before.ToString(CultureInfo.InvariantCulture)}");
        return $"{baseUrl}{path}?{string.Join('&', pairs)}";
    }

    private static async Task Bundles(HttpContext http)
    {
        var bundle = await Service<FhirInput>(http).ReadBytesAsync(http.Request);
        var processor = Service<BundleProcessor>(http);
        using var response = await processor.ProcessAsync(http, bundle);
        await Service<FhirOutput>(http).WriteAsync(http, response, StatusCodes.Status200OK, FhirOutput.Format(http.Request), FhirFormats.IsPretty(http.Request));
    }
}

/// <summary>The <c>Prefer: return=…</c> header (R4 http.html#ops).</summary>
public static class Prefer
{
    public const int Representation = 0, Minimal = 1, Outcome = 2;

    public static int Return(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
            foreach (var part in (header ?? "").Split([',', ';'], StringSplitOptions.TrimEntries))
                switch (part.Replace(" ", "").ToLowerInvariant())
                {
                    case "return=minimal": return Minimal;
                    case "return=operationoutcome": return Outcome;
                    case "return=representation": return Representation;
                }
        return Representation;
    }
}
