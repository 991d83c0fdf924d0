using FhirServer.Conformance.Definitions;
using FhirServer.Hosting;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Validation;
using FhirServer.Storage;
using FhirServer.Terminology.Membership;

namespace FhirServer.Validation;

/// <summary>The validator's part of the server's composition (docs/validation.md, "Where it runs").</summary>
public static class ValidationServices
{
    public static IServiceCollection AddValidation(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = ValidationSettings.Read(configuration);
        services.AddSingleton(settings);
        // One validator per server, over the packages and the terminology the rest of the server uses (the same
        // IValueSetMembership as search :in and FHIRPath memberOf(), so stored CodeSystems and ValueSets count).
        services.AddSingleton(sp => ResourceValidator.Create(sp.GetRequiredService<DefinitionRegistry>(), sp.GetRequiredService<IValueSetMembership>(),
            settings.Validator with
            {
                UnknownProfileSeverity = settings.UnknownProfile,
                IdentifierRules = IdentifierRuleRegistry.CreateDefault(settings.IdentifierRules),
            }));
        services.AddSingleton<StoredProfiles>();
        services.AddSingleton<ICommitObserver>(sp => sp.GetRequiredService<StoredProfiles>());
        services.AddSingleton<ServerValidator>();
        return services;
    }

    /// <summary>Checks the required profiles' types against the loaded definitions: before the store is opened.</summary>
    public static void CheckValidationSettings(this IServiceProvider services)
    {
        var settings = services.GetRequiredService<ValidationSettings>();
        var registry = services.GetRequiredService<DefinitionRegistry>();
        foreach (var type in settings.RequiredProfiles.Keys)
            if (!registry.IsResourceType(type) || type is "Resource" or "DomainResource")
                throw new ConfigurationException($"Validation:RequiredProfiles:{type}: '{type}' is not a resource type of the loaded packages.");
    }
}
