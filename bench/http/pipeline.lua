-- wrk script: 16 pipelined GET / requests per write (wrk's examples/scripts/pipeline.lua
-- pattern). wrk counts each response, so requests/s is per request, not per batch.
--
--   wrk -t1 -c64 -d5s -s bench/http/pipeline.lua http://127.0.0.1:8080/

local depth = 16

init = function(args)
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil, "/")
   end
   req = table.concat(r)
end

request = function()
   return req
end
