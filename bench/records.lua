-- wrk script for the records API. Usage: wrk -t THREADS -s records.lua URL -- MODE SEEDED THREADS
-- MODE: post (batches of 100 new records), get (GET /{uuid} of a seeded record), count (GET /10),
-- delete (DELETE /{uuid}, each seeded uuid once across all threads, from n = SEEDED upwards: the second
-- argument is where deletes start). Seeded uuids are %08x-0000-4000-8000-000000000000 for 0 <= n < SEEDED.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local function seeded_path(n)
   return string.format("/%08x-0000-4000-8000-000000000000", n)
end

local alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

local function random_text()
   local chars = {}
   for i = 1, 16 do
      local k = math.random(1, #alphabet)
      chars[i] = alphabet:sub(k, k)
   end
   return table.concat(chars)
end

function init(args)
   mode = args[1]
   seeded = tonumber(args[2] or "0")
   thread_count = tonumber(args[3] or "1")
   math.randomseed(os.time() + tid * 7919)
end

function request()
   if mode == "post" then
      local items = {}
      for i = 1, 100 do
         items[i] = '{"text":"' .. random_text() .. '"}'
      end
      return wrk.format("POST", "/new", {["Content-Type"] = "application/json"}, "[" .. table.concat(items, ",") .. "]")
   elseif mode == "get" then
      return wrk.format("GET", seeded_path(math.random(0, seeded - 1)))
   elseif mode == "count" then
      return wrk.format("GET", "/10")
   elseif mode == "delete" then
      local n = seeded + tid + counter * thread_count
      counter = counter + 1
      return wrk.format("DELETE", seeded_path(n))
   end
end

dofile("report.lua")
