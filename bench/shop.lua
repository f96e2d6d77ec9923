-- wrk script for the shop API. Usage: wrk -t THREADS -s shop.lua URL -- MODE ITEMS CARTS
-- MODE: create_item (POST /item), get_item (GET /item/{id}), add (POST /cart/{id}/add/{item_id}),
-- get_cart (GET /cart/{id}), list_carts (GET /cart?min_price=...). Ids are 1..ITEMS and 1..CARTS.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   mode = args[1]
   item_count = tonumber(args[2])
   cart_count = tonumber(args[3])
   math.randomseed(os.time() + tid * 7919)
end

function request()
   if mode == "create_item" then
      local body = string.format('{"name":"bench item %d","price":%d.5}', math.random(1, 1000000), math.random(1, 500))
      return wrk.format("POST", "/item", {["Content-Type"] = "application/json"}, body)
   elseif mode == "get_item" then
      return wrk.format("GET", "/item/" .. math.random(1, item_count))
   elseif mode == "add" then
      return wrk.format("POST", string.format("/cart/%d/add/%d", math.random(1, cart_count), math.random(1, item_count)))
   elseif mode == "get_cart" then
      return wrk.format("GET", "/cart/" .. math.random(1, cart_count))
   elseif mode == "list_carts" then
      local low = math.random(0, 400)
      return wrk.format("GET", string.format("/cart?min_price=%d&max_price=%d&offset=%d", low, low + 100, math.random(0, 50)))
   end
end

dofile("report.lua")
