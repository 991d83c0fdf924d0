using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Storage;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;
using FhirServer.Terminology.Sources;

namespace FhirServer.Http.Terminology;

/// <summary>
/// The terminology operations over HTTP (R4 terminology-service.html): CodeSystem $lookup, $validate-code,
/// $subsumes and ValueSet $expand, $validate-code, at the type level (the resource named by url, or passed in the
/// Parameters) and the instance level (a stored resource), by GET with query parameters or POST with Parameters.
/// Resources passed as <c>tx-resource</c> are visible to that request only.
/// </summary>
public static class TerminologyEndpoints
{
    public static IServiceCollection AddTerminology(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new TerminologyOptions();
        configuration.GetSection("Terminology").Bind(options);
        services.AddSingleton(options);
        services.AddSingleton<StoredResources>();
        services.AddSingleton(sp => new TerminologySources(sp.GetRequiredService<ConformanceContext>(), sp.GetRequiredService<StoredResources>()));
        services.AddSingleton<ITerminologyService, LocalTerminologyService>();
        services.AddSingleton<IValueSetMembership, ValueSetMembership>();
        services.AddSingleton<CodeHierarchy>();
        services.AddSingleton<ExpansionCache>();
        services.AddSingleton<StoredTerminology>();
        services.AddSingleton<ICommitObserver>(sp => sp.GetRequiredService<StoredTerminology>());
        return services;
    }

    public static IEndpointRouteBuilder MapTerminologyEndpoints(this IEndpointRouteBuilder app)
    {
        Map(app, "CodeSystem", "$lookup", Lookup);
        Map(app, "CodeSystem", "$validate-code", CodeSystemValidateCode);
        Map(app, "CodeSystem", "$subsumes", Subsumes);
        Map(app, "ValueSet", "$expand", Expand);
        Map(app, "ValueSet", "$validate-code", ValueSetValidateCode);
        Map(app, "ConceptMap", "$translate", TranslateEndpoint.Translate);
        Map(app, "ValueSet", "$batch-validate-code", BatchValidateEndpoint.BatchValidate);
        return app;
    }

    public static readonly IReadOnlyList<(string Type, string Name)> Operations =
        [("CodeSystem", "lookup"), ("CodeSystem", "validate-code"), ("CodeSystem", "subsumes"), ("ValueSet", "expand"), ("ValueSet", "validate-code"),
            ("ValueSet", "batch-validate-code"), ("ConceptMap", "translate")];

    private delegate byte[] Handler(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance);

    private static void Map(IEndpointRouteBuilder app, string type, string operation, Handler handler)
    {
        app.MapMethods($"/{type}/{operation}", [HttpMethods.Get, HttpMethods.Post], http => Run(http, type, null, handler));
        app.MapMethods($"/{type}/{{id}}/{operation}", [HttpMethods.Get, HttpMethods.Post], http => Run(http, type, FhirEndpoints.Id(http), handler));
    }

    private static async Task Run(HttpContext http, string type, string? id, Handler handler)
    {
        var input = HttpMethods.IsPost(http.Request.Method)
            ? OperationInput.FromParameters(await http.RequestServices.GetRequiredService<FhirInput>().ReadResourceAsync(http.Request), http.Request.Query)
            : OperationInput.FromQuery(http.Request.Query);
        ElementNode? instance = null;
        if (id is not null)
        {
            var stored = await http.RequestServices.GetRequiredService<IResourceStore>().ReadAsync(type, id, http.RequestAborted);
            if (stored?.Body is null) throw FhirException.NotFound($"{type}/{id} is not known");
            instance = http.RequestServices.GetRequiredService<ConformanceContext>().Json.Parse(stored.Body).Resource;
        }
        byte[] json;
        var status = StatusCodes.Status200OK;
        try
        {
            json = handler(http, http.RequestServices.GetRequiredService<ITerminologyService>(), input, instance);
        }
        catch (TerminologyException e)
        {
            // The OperationOutcome as terminology servers write it: the text in details, with its tx-issue-type code,
            // the message id and where in the value set the problem lies.
            json = TerminologyOutput.Outcome(e);
            status = e.IssueCode switch
            {
                "not-found" => StatusCodes.Status404NotFound,
                "too-costly" => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status400BadRequest,
            };
        }
        await http.RequestServices.GetRequiredService<FhirOutput>().WriteAsync(http, json, status);
    }

    internal static IReadOnlyList<ElementNode> TxResources(OperationInput input, ElementNode? instance) =>
        instance is null ? input.Resources("tx-resource") : [instance, .. input.Resources("tx-resource")];

    private static byte[] Lookup(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var coding = input.Coding("system", "version");
        if (instance is not null) coding = coding with { System = instance.Child("url")?.Value, Version = instance.Child("version")?.Value };
        return TerminologyOutput.Lookup(service.Lookup(new LookupRequest(coding, input.String("displayLanguage"), input.Strings("property"))
            { TxResources = TxResources(input, instance), UseSupplements = input.Strings("useSupplement") }));
    }

    private static byte[] Subsumes(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var system = instance?.Child("url")?.Value ?? input.String("system") ?? input.Node("codingA")?.Child("system")?.Value
            ?? throw FhirException.BadRequest("$subsumes needs a system (or codingA and codingB).", "system", "required");
        var a = input.String("codeA") ?? input.Node("codingA")?.Child("code")?.Value;
        var b = input.String("codeB") ?? input.Node("codingB")?.Child("code")?.Value;
        if (a is null || b is null) throw FhirException.BadRequest("$subsumes needs codeA and codeB (or codingA and codingB).", a is null ? "codeA" : "codeB", "required");
        return TerminologyOutput.Subsumes(service.Subsumes(new SubsumesRequest(system, instance?.Child("version")?.Value ?? input.String("version"), a, b)
            { TxResources = TxResources(input, instance) }));
    }

    private static byte[] CodeSystemValidateCode(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var (codings, isConcept) = Codings(input, "url", "version");
        if (instance is not null)
            codings = [.. codings.Select(c => c with { System = c.System ?? instance.Child("url")?.Value, Version = c.Version ?? instance.Child("version")?.Value })];
        return TerminologyOutput.ValidateCode(service.ValidateCodeInCodeSystem(new ValidateCodeRequest(codings, input.String("displayLanguage"))
            {
                IsCodeableConcept = isConcept, IsCoding = !isConcept && input.Node("coding") is not null, AbstractAllowed = input.String("abstract") is null || input.Bool("abstract"),
                ActiveOnly = input.Bool("activeOnly"), LenientDisplay = input.Bool("lenient-display-validation"), TxResources = TxResources(input, instance),
                UseSupplements = input.Strings("useSupplement"),
            }), isConcept ? codings : null, ConceptText(input));
    }

    internal static byte[] ValueSetValidateCode(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var (codings, isConcept) = Codings(input, "system", "systemVersion");
        var url = input.String("url");
        if (url is not null && input.String("valueSetVersion") is { } vsVersion) url += "|" + vsVersion;
        var valueSet = instance ?? input.Node("valueSet");
        if (valueSet is null && url is null) throw FhirException.BadRequest("ValueSet/$validate-code needs a url or a valueSet.", "url", "required");
        return TerminologyOutput.ValidateCode(service.ValidateCodeInValueSet(new ValidateCodeRequest(codings, input.String("displayLanguage"))
            {
                ValueSet = valueSet, ValueSetUrl = url, IsCodeableConcept = isConcept, IsCoding = !isConcept && input.Node("coding") is not null,
                InferSystem = input.Bool("inferSystem"), AbstractAllowed = input.String("abstract") is null || input.Bool("abstract"), ActiveOnly = input.Bool("activeOnly"),
                LenientDisplay = input.Bool("lenient-display-validation"), MembershipOnly = input.Bool("valueset-membership-only"),
                Versions = Versions(input), TxResources = TxResources(input, null), UseSupplements = input.Strings("useSupplement"),
            }), isConcept ? codings : null, ConceptText(input));
    }

    private static byte[] Expand(HttpContext http, ITerminologyService service, OperationInput input, ElementNode? instance)
    {
        var url = input.String("url");
        if (url is not null && input.String("valueSetVersion") is { } vsVersion) url += "|" + vsVersion;
        var valueSet = instance ?? input.Node("valueSet");
        if (valueSet is null && url is null) throw FhirException.BadRequest("$expand needs a url or a valueSet.", "url", "required");
        // By url alone, the answer depends on the sources only: kept until one changes.
        if (valueSet is null && HttpMethods.IsGet(http.Request.Method))
            return http.RequestServices.GetRequiredService<ExpansionCache>().GetOrAdd(http.Request.QueryString.Value + "\n" + http.Request.Headers.AcceptLanguage, () => ExpandNow(http, service, input, url, null));
        return ExpandNow(http, service, input, url, valueSet);
    }

    private static byte[] ExpandNow(HttpContext http, ITerminologyService service, OperationInput input, string? url, ElementNode? valueSet)
    {
        var result = service.Expand(new ExpandRequest
        {
            Url = url,
            ValueSet = valueSet,
            Filter = input.String("filter"),
            Offset = input.Int("offset"),
            Count = input.Int("count"),
            ActiveOnly = input.OptionalBool("activeOnly"),
            IncludeDesignations = input.OptionalBool("includeDesignations"),
            ExcludeNested = input.OptionalBool("excludeNested"),
            DisplayLanguage = input.String("displayLanguage"),
            Versions = Versions(input),
            AcceptLanguage = http.Request.Headers.AcceptLanguage.ToString() is { Length: > 0 } acceptLanguage ? acceptLanguage : null,
            Designations = input.Strings("designation"),
            Properties = input.Strings("property"),
            TxResources = TxResources(input, null),
            UseSupplements = input.Strings("useSupplement"),
            ExcludeSystems = input.Strings("exclude-system"),
        });
        return TerminologyOutput.Expansion(result, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), input.Bool("includeDefinition"));
    }

    private static VersionParameters Versions(OperationInput input) => new()
    {
        SystemVersion = input.Strings("system-version"),
        CheckSystemVersion = input.Strings("check-system-version"),
        ForceSystemVersion = input.Strings("force-system-version"),
        DefaultValueSetVersion = input.Strings("default-valueset-version"),
    };

    private static string? ConceptText(OperationInput input) => input.Node("codeableConcept")?.Child("text")?.Value;

    // codeableConcept, else coding, else code + system (the CodeSystem operation names its system "url").
    private static (IReadOnlyList<CodingValue> Codings, bool IsCodeableConcept) Codings(OperationInput input, string systemName, string versionName)
    {
        if (input.Node("codeableConcept") is { } concept) return (FhirServer.Terminology.Model.Codings.ReadConcept(concept), true);
        var coding = input.Coding(systemName, versionName);
        // A missing input has no place in the request to point at; the text is the one terminology servers give.
        if (coding.Code is null) throw TerminologyException.Invalid(TxMessages.NoCodeToValidate);
        return ([coding], false);
    }
}
