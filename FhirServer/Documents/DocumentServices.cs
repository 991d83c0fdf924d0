using FhirServer.Rest;

namespace FhirServer.Documents;

/// <summary>The IHE MHD / ANS PDSm document flow's part of the server's composition (docs/french-flows.md).</summary>
public static class DocumentServices
{
    public static IServiceCollection AddDocumentRules(this IServiceCollection services)
    {
        services.AddSingleton<IWriteRule, DocumentReplacement>();
        services.AddSingleton<ITransactionRule, ProvideDocumentBundleRule>();
        return services;
    }
}
