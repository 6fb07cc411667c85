using Microsoft.Extensions.Hosting;
using Prescient.Functions;

var host = new HostBuilder()
    .ConfigureFunctionsWebApplication()
    .ConfigureServices((context, services) => services.AddPrescientFunctions(context.Configuration))
    .Build();

await host.RunAsync();
